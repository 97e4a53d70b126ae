using System.Collections.Immutable;
using BillHolder.Server.Books.Engine;
using static BillHolder.Server.Books.Engine.RecordStatus;

namespace BillHolder.Tests.Books.Engine;

// Concurrent offline writers (rule 12): clients edit random fields of bills and transfers on stale copies and sync
// with each record's version; after every step the book equals a reference three-way merge written here from the
// rule's text, the conflicts listed are exactly the reference's, and every balance adds up.
public sealed class SyncMergeModelTests
{
    private const int Steps = 300;
    private static readonly object?[] Amounts = [100L, 200L, 300L];
    private static readonly object?[] Texts = ["a", "b", null];
    private static readonly long[] WalletIds = [1, 2, 3];

    [Theory]
    [InlineData(3)]
    [InlineData(11)]
    [InlineData(1234)]
    public void Sync_ConcurrentOfflineEditsMergePerFieldLikeTheReference(int seed)
    {
        var random = new Random(seed);
        var book = Start();
        var history = new Dictionary<long, BookState> { [book.Version] = book };
        var copies = new[] { book, book, book };
        var conflicts = 0;

        for (var step = 0; step < Steps; step++)
        {
            var client = random.Next(copies.Length);
            var copy = copies[client];
            var bills = copy.Bills.Values.Where(_ => random.Next(3) == 0).Select(b => EditBill(random, b)).ToList();
            var transfers = copy.Transfers.Values.Where(_ => random.Next(3) == 0).Select(t => EditTransfer(random, t)).ToList();
            var request = new SyncRequest($"s{step}", copy.Version, null, new SyncChanges([], bills, transfers, []));
            // What storage would find: each record as it stood at the version the client echoed.
            var bases = new SyncBases(
                bills.Select(b => ((Collection.Bills, b.Id), (IBookRecord?)history[b.Version!.Value].Bills.GetValueOrDefault(b.Id)))
                    .Concat(transfers.Select(t => ((Collection.Transfers, t.Id), (IBookRecord?)history[t.Version!.Value].Transfers.GetValueOrDefault(t.Id))))
                    .ToDictionary(p => p.Item1, p => p.Item2),
                null);

            var expectedConflicts = new List<string>();
            var expectedBills = Reference(book.Bills, bills, b => history[b.Version!.Value].Bills[b.Id], BillFields, BillFrom, _ => true, "bills", expectedConflicts);
            var expectedTransfers = Reference(book.Transfers, transfers, t => history[t.Version!.Value].Transfers[t.Id], TransferFields, TransferFrom,
                f => !Equals(f[0], f[1]), "transfers", expectedConflicts);

            var applied = Assert.IsType<SyncOutcome.Applied>(SyncEngine.Apply(book, request, $"user{client}", 1000 + step, bases));

            var context = $"seed {seed} step {step}";
            Assert.True(expectedBills.SequenceEqual(applied.Book.Bills.Values.Select(b => (b.Id, Show(BillFields(b))))), $"{context}: bills");
            Assert.True(expectedTransfers.SequenceEqual(applied.Book.Transfers.Values.Select(t => (t.Id, Show(TransferFields(t))))), $"{context}: transfers");
            var listed = applied.Conflicts.Select(c => $"{c.Collection} {c.Id} {c.Field ?? "-"} {Show([c.Base])} {Show([c.Theirs])} {Show([c.Yours])}");
            Assert.Equal(expectedConflicts.Order(), listed.Order());
            Assert.Empty(applied.WholeRecords);
            SyncModelTests.AssertBalancesAddUp(applied.Book);
            conflicts += applied.Conflicts.Count;

            book = applied.Book;
            history[book.Version] = book;
            copies[client] = book;
        }

        Assert.True(conflicts > 10, $"only {conflicts} conflicts: the stream proves little");
    }

    private static BookState Start()
    {
        var wallets = WalletIds.Select(id => new Wallet(id, $"w{id}", null, 0, 0, null, 1, 1, 1, "x", "x"));
        var bills = Enumerable.Range(1, 6).Select(id => new Bill(id, 1 + id % 3, 100, 5, "a", null, 1, 1, 1, "x", "x"));
        var transfers = Enumerable.Range(1, 4).Select(id => new Transfer(id, 1, 2 + id % 2, 100, 5, null, 1, 1, 1, "x", "x"));
        var book = BookState.Empty("Model", null) with
        {
            Version = 1,
            Wallets = wallets.ToImmutableSortedDictionary(w => w.Id, w => w),
            Bills = bills.ToImmutableSortedDictionary(b => b.Id, b => b),
            Transfers = transfers.ToImmutableSortedDictionary(t => t.Id, t => t),
            NextIds = new ByCollection<long>(4, 7, 5, 1),
        };
        var totals = BookBalances.Totals(book);
        return book with { Wallets = book.Wallets.ToImmutableSortedDictionary(w => w.Key, w => w.Value with { Balance = (long)totals[w.Key] }) };
    }

    private static object? Pick(Random random, object?[] values, object? current) => random.Next(3) == 0 ? values[random.Next(values.Length)] : current;

    private static BillInput EditBill(Random random, Bill b) => new(b.Id, Modified,
        (long)Pick(random, [1L, 2L, 3L], b.WalletId)!, (long)Pick(random, Amounts, b.Amount)!, b.Date,
        (string?)Pick(random, Texts, b.Category), (string?)Pick(random, Texts, b.Remark), null, null, b.Version);

    private static TransferInput EditTransfer(Random random, Transfer t)
    {
        var from = (long)Pick(random, [1L, 2L, 3L], t.FromWalletId)!;
        var to = (long)Pick(random, [1L, 2L, 3L], t.ToWalletId)!;
        if (from == to) (from, to) = (t.FromWalletId, t.ToWalletId); // the parser refuses from == to in one input
        return new TransferInput(t.Id, Modified, from, to, (long)Pick(random, Amounts, t.Amount)!, t.Date,
            (string?)Pick(random, Texts, t.Remark), null, null, t.Version);
    }

    private static readonly string[] BillNames = ["walletId", "amount", "date", "category", "remark"];
    private static readonly string[] TransferNames = ["fromWalletId", "toWalletId", "amount", "date", "remark"];

    private static object?[] BillFields(Bill b) => [b.WalletId, b.Amount, b.Date, b.Category, b.Remark];

    private static object?[] BillFrom(BillInput i) => [i.WalletId, i.Amount, i.Date, i.Category, i.Remark];

    private static object?[] TransferFields(Transfer t) => [t.FromWalletId, t.ToWalletId, t.Amount, t.Date, t.Remark];

    private static object?[] TransferFrom(TransferInput i) => [i.FromWalletId, i.ToWalletId, i.Amount, i.Date, i.Remark];

    private static string Show(object?[] fields) => string.Join(",", fields.Select(f => f is null ? "null" : f.ToString()));

    // The rule's text: per field, mine == base keeps the stored value, else mine applies, a conflict when the stored
    // value moved away from the base to something else; an invalid merge applies mine whole, every difference listed.
    private static List<(long Id, string Fields)> Reference<TRecord, TInput>(ImmutableSortedDictionary<long, TRecord> stored,
        List<TInput> inputs, Func<TInput, TRecord> baseOf, Func<TRecord, object?[]> fields, Func<TInput, object?[]> sent,
        Func<object?[], bool> valid, string collection, List<string> conflicts)
        where TInput : IRecordInput
    {
        var names = collection == "bills" ? BillNames : TransferNames;
        var result = stored.ToDictionary(p => p.Key, p => fields(p.Value));
        foreach (var input in inputs)
        {
            if (!stored.TryGetValue(input.Id, out var current)) continue;
            var theirs = fields(current);
            var original = fields(baseOf(input));
            var mine = sent(input);
            var merged = (object?[])theirs.Clone();
            var found = new List<string>();
            for (var f = 0; f < names.Length; f++)
            {
                if (Equals(mine[f], original[f])) continue;
                merged[f] = mine[f];
                if (!Equals(theirs[f], original[f]) && !Equals(theirs[f], mine[f]))
                {
                    found.Add($"{collection} {input.Id} {names[f]} {Show([original[f]])} {Show([theirs[f]])} {Show([mine[f]])}");
                }
            }
            if (!valid(merged))
            {
                merged = mine;
                found = [.. Enumerable.Range(0, names.Length).Where(f => !Equals(mine[f], theirs[f]))
                    .Select(f => $"{collection} {input.Id} {names[f]} {Show([original[f]])} {Show([theirs[f]])} {Show([mine[f]])}")];
            }
            result[input.Id] = merged;
            conflicts.AddRange(found);
        }
        return [.. result.OrderBy(p => p.Key).Select(p => (p.Key, Show(p.Value)))];
    }
}
