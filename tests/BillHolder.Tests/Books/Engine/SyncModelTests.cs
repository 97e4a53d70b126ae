using BillHolder.Server.Books.Engine;

namespace BillHolder.Tests.Books.Engine;

// Random valid sync streams from several clients holding stale copies, applied in sequence; after every
// step the engine's book must equal the naive reference model and every balance must add up.
public sealed class SyncModelTests
{
    private const int Steps = 400;

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    [InlineData(2024)]
    [InlineData(99991)]
    public void Sync_RandomClientStreamsMatchTheReferenceModel(int seed)
    {
        var random = new Random(seed);
        var book = BookState.Empty("Model", null);
        var model = new ReferenceModel();
        var copies = new BookState[] { book, book, book };
        var outcomes = new Dictionary<string, int>();

        for (var step = 0; step < Steps; step++)
        {
            var client = random.Next(copies.Length);
            if (random.Next(4) == 0)
            {
                copies[client] = book;
            }

            var changes = new RandomSync(random, copies[client]).Generate();
            var request = new SyncRequest($"s{step}", copies[client].Version, null, changes);

            var outcome = SyncEngine.Apply(book, request, $"user{client}", 1000 + step);
            var expected = model.Apply(changes);

            var context = $"seed {seed} step {step}";
            switch (outcome)
            {
                case SyncOutcome.Applied applied:
                    Assert.True(expected is null, $"{context}: engine applied, model says {expected}");
                    Assert.Equal(applied.Changes.Any ? book.Version + 1 : book.Version, applied.Book.Version);
                    Assert.Equal(model.LastWalletIds, applied.IdMap.Wallets);
                    AssertChangesMatchBook(applied);
                    book = applied.Book;
                    copies[client] = book;
                    Count(outcomes, applied.Changes.Any ? "applied" : "unchanged");
                    break;
                case SyncOutcome.Rejected rejected:
                    Assert.True(expected == rejected.Code, $"{context}: engine rejected {rejected.Code}, model says {expected ?? "applied"}");
                    Count(outcomes, rejected.Code);
                    break;
            }

            AssertSameAsModel(book, model, context);
            AssertBalancesAddUp(book);
        }

        // The stream must really exercise the interesting paths, or the test proves little.
        Assert.True(outcomes.GetValueOrDefault("applied") > Steps / 3, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault("unknown_wallet") > 0, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault("wallet_in_use") > 0, string.Join(", ", outcomes));
    }

    private static void Count(Dictionary<string, int> counts, string key) =>
        counts[key] = counts.GetValueOrDefault(key) + 1;

    internal static void AssertSameAsModel(BookState book, ReferenceModel model, string context)
    {
        Assert.True(model.Version == book.Version, $"{context}: version {book.Version}, model {model.Version}");
        Assert.Equal(model.NextIds, new[] { book.NextIds.Wallets, book.NextIds.Bills, book.NextIds.Transfers, book.NextIds.Incomes });
        AssertSameRows(
            model.Wallets.OrderBy(w => w.Key).Select(w => (w.Key, w.Value.Name, w.Value.Opening, w.Value.Balance, w.Value.Version)),
            book.Wallets.Values.Select(w => (w.Id, w.Name, w.OpeningBalance, w.Balance, w.Version)), "wallets", context);
        AssertSameRows(
            model.Bills.OrderBy(b => b.Key).Select(b => (b.Key, b.Value.Wallet, b.Value.Amount, b.Value.Version)),
            book.Bills.Values.Select(b => (b.Id, b.WalletId, b.Amount, b.Version)), "bills", context);
        AssertSameRows(
            model.Incomes.OrderBy(i => i.Key).Select(i => (i.Key, i.Value.Wallet, i.Value.Amount, i.Value.Version)),
            book.Incomes.Values.Select(i => (i.Id, i.WalletId, i.Amount, i.Version)), "incomes", context);
        AssertSameRows(
            model.Transfers.OrderBy(t => t.Key).Select(t => (t.Key, t.Value.From, t.Value.To, t.Value.Amount, t.Value.Version)),
            book.Transfers.Values.Select(t => (t.Id, t.FromWalletId, t.ToWalletId, t.Amount, t.Version)), "transfers", context);
    }

    // Assert.Equal on long tuple sequences is slow through xunit's comparers; compare first, explain on failure.
    private static void AssertSameRows<T>(IEnumerable<T> expected, IEnumerable<T> actual, string what, string context)
    {
        var model = expected.ToList();
        var engine = actual.ToList();
        if (!model.SequenceEqual(engine))
        {
            Assert.Fail($"{context}: {what} differ\n model:  {string.Join(" ", model.Except(engine))}\n engine: {string.Join(" ", engine.Except(model))}");
        }
    }

    internal static void AssertBalancesAddUp(BookState book)
    {
        var incomes = book.Incomes.Values.ToLookup(i => i.WalletId, i => i.Amount);
        var bills = book.Bills.Values.ToLookup(b => b.WalletId, b => b.Amount);
        var transfersOut = book.Transfers.Values.ToLookup(t => t.FromWalletId, t => t.Amount);
        var transfersIn = book.Transfers.Values.ToLookup(t => t.ToWalletId, t => t.Amount);
        foreach (var wallet in book.Wallets.Values)
        {
            var expected = wallet.OpeningBalance + incomes[wallet.Id].Sum() - bills[wallet.Id].Sum()
                - transfersOut[wallet.Id].Sum() + transfersIn[wallet.Id].Sum();
            Assert.Equal(expected, wallet.Balance);
        }

        var walletIds = book.Wallets.Keys.ToHashSet();
        Assert.All(book.Bills.Values, b => Assert.Contains(b.WalletId, walletIds));
        Assert.All(book.Incomes.Values, i => Assert.Contains(i.WalletId, walletIds));
        Assert.All(book.Transfers.Values, t => Assert.True(walletIds.Contains(t.FromWalletId) && walletIds.Contains(t.ToWalletId)));
    }

    private static void AssertChangesMatchBook(SyncOutcome.Applied applied)
    {
        var book = applied.Book;
        Assert.All(applied.Changes.Wallets.Changed, w => Assert.Equal(book.Wallets[w.Id], w));
        Assert.All(applied.Changes.Bills.Changed, b => Assert.Equal(book.Bills[b.Id], b));
        Assert.All(applied.Changes.Transfers.Changed, t => Assert.Equal(book.Transfers[t.Id], t));
        Assert.All(applied.Changes.Incomes.Changed, i => Assert.Equal(book.Incomes[i.Id], i));
        Assert.All(applied.Changes.Wallets.Deleted, id => Assert.False(book.Wallets.ContainsKey(id)));
        Assert.All(applied.Changes.Bills.Deleted, id => Assert.False(book.Bills.ContainsKey(id)));
        Assert.Equal(book.Wallets.Values.Count(w => w.Version == book.Version && applied.Changes.Any),
            applied.Changes.Wallets.Changed.Count);
    }
}
