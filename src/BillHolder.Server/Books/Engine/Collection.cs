namespace BillHolder.Server.Books.Engine;

internal enum RecordStatus { Synchronized = 0, Modified = 1, Deleted = 2, New = 3 }

internal enum Collection { Wallets, Bills, Transfers, Incomes }

internal static class Collections
{
    public static readonly Collection[] All = Enum.GetValues<Collection>();

    // The JSON property and path name of each collection ("bills" in "bills[2].amount").
    public static string JsonName(this Collection collection) => collection switch
    {
        Collection.Wallets => "wallets",
        Collection.Bills => "bills",
        Collection.Transfers => "transfers",
        Collection.Incomes => "incomes",
        _ => throw new ArgumentOutOfRangeException(nameof(collection)),
    };
}

// One value per collection: id maps, deleted ids, counts and counters are written once, not four times.
// Serializes as {wallets, bills, transfers, incomes}.
internal record ByCollection<T>(T Wallets, T Bills, T Transfers, T Incomes)
{
    public T this[Collection collection] => collection switch
    {
        Collection.Wallets => Wallets,
        Collection.Bills => Bills,
        Collection.Transfers => Transfers,
        Collection.Incomes => Incomes,
        _ => throw new ArgumentOutOfRangeException(nameof(collection)),
    };

    public static ByCollection<T> Of(Func<Collection, T> value) =>
        new(value(Collection.Wallets), value(Collection.Bills), value(Collection.Transfers), value(Collection.Incomes));

    public ByCollection<TResult> Select<TResult>(Func<Collection, T, TResult> map) => ByCollection<TResult>.Of(c => map(c, this[c]));
}
