using System.Collections.Immutable;

namespace BillHolder.Server.Sync;

internal enum RecordStatus { Synchronized = 0, Modified = 1, Deleted = 2, New = 3 }

internal enum Collection { Wallets, Bills, Transfers, Incomes }

internal static class CollectionNames
{
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

// Stored records are immutable; clients always see them as synchronized, hence the constant Status.
internal sealed partial record Wallet(long Id, string Name, string? Color, long OpeningBalance, long Balance,
    string? Remark, long CreatedAt, long LastEditedAt, long Version, string CreatedBy, string LastEditedBy)
{
    public int Status => 0;
}

internal sealed partial record Bill(long Id, long WalletId, long Amount, long Date, string? Category, string? Remark,
    long CreatedAt, long LastEditedAt, long Version, string CreatedBy, string LastEditedBy)
{
    public int Status => 0;
}

internal sealed partial record Transfer(long Id, long FromWalletId, long ToWalletId, long Amount, long Date,
    string? Remark, long CreatedAt, long LastEditedAt, long Version, string CreatedBy, string LastEditedBy)
{
    public int Status => 0;
}

internal sealed partial record Income(long Id, long WalletId, long Amount, long Date, string? Category, string? Remark,
    long CreatedAt, long LastEditedAt, long Version, string CreatedBy, string LastEditedBy)
{
    public int Status => 0;
}

// Immutable collections: a cached BookState survives a failed sync untouched, and each update is O(log n).
internal sealed record BookState(long Version, string Name, string? Remark,
    ImmutableSortedDictionary<long, Wallet> Wallets, ImmutableSortedDictionary<long, Bill> Bills,
    ImmutableSortedDictionary<long, Transfer> Transfers, ImmutableSortedDictionary<long, Income> Incomes,
    long NextWalletId, long NextBillId, long NextTransferId, long NextIncomeId)
{
    public static BookState Empty(string name, string? remark) => new(0, name, remark,
        ImmutableSortedDictionary<long, Wallet>.Empty, ImmutableSortedDictionary<long, Bill>.Empty,
        ImmutableSortedDictionary<long, Transfer>.Empty, ImmutableSortedDictionary<long, Income>.Empty,
        NextWalletId: 1, NextBillId: 1, NextTransferId: 1, NextIncomeId: 1);
}
