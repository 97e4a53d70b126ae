using System.Collections.Immutable;
using System.Net;
using System.Text.Json;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Books.Storage;
using BillHolder.Tests.Books.Engine;
using BillHolder.Tests.Books.Storage;
using BillHolder.Tests.Infrastructure;

namespace BillHolder.Tests.Books;

// The randomized model test end to end: several clients keep their own copies up to date only through
// pulls and sync answers, send random syncs over REST, and after every step the stored book must equal
// the naive reference model and the server's consistency check must pass. The server checkpoints after almost
// every sync, in the background, and "stored" is read cold from the database (checkpoint plus log) at every step,
// so the comparison crosses checkpoint boundaries and cold starts all the time.
public sealed class SyncHttpModelTests(EagerCheckpointServer eager) : IClassFixture<EagerCheckpointServer>
{
    private readonly BillHolderServer server = eager.Server;

    private const int Steps = 60;

    [Theory]
    [InlineData(3)]
    [InlineData(1234)]
    public async Task Sync_RandomStreamsOverRest_MatchTheReferenceModel(int seed)
    {
        var random = new Random(seed);
        var owner = await server.NewUserAsync("model");
        var created = await (await owner.Http.PostJsonAsync("/api/books", new { name = "Model" })).ReadJsonAsync(HttpStatusCode.Created);
        var bookId = created.GetProperty("id").GetInt64();
        var model = new ReferenceModel();
        model.StartAtVersion(1);
        var copies = new[] { await PullAsync(owner, bookId, null, null), null!, null! };
        copies[1] = copies[2] = copies[0];
        var outcomes = new Dictionary<string, int>();
        var current = copies[0];

        for (var step = 0; step < Steps; step++)
        {
            var client = random.Next(copies.Length);
            if (random.Next(3) == 0) copies[client] = await PullAsync(owner, bookId, copies[client], copies[client].Version);

            var changes = new RandomSync(random, copies[client]).Generate();
            // The server merges each modified record against the client's copy (rule 12); the naive model replaces
            // whole records, so it is given what the merge makes of them.
            var expected = model.Apply(Merged(changes, copies[client], current));
            var response = await owner.Http.PostAsync($"/api/books/{bookId}/sync", Body($"s{seed}-{step}", copies[client].Version, changes));
            var context = $"seed {seed} step {step}";
            if (expected is null)
            {
                var result = await response.ReadJsonAsync(HttpStatusCode.OK);
                Assert.True(model.Version == result.GetProperty("version").GetInt64(), context);
                copies[client] = ApplyChangeSet(copies[client], result.GetProperty("changes"));
                var key = result.GetProperty("applied").GetBoolean() ? "applied" : "unchanged";
                outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
            }
            else
            {
                await response.ProblemAsync(HttpStatusCode.Conflict, expected);
                outcomes[expected] = outcomes.GetValueOrDefault(expected) + 1;
            }

            var stored = await StoredAsync(bookId);
            current = stored;
            SyncModelTests.AssertSameAsModel(stored, model, context);
            SyncModelTests.AssertBalancesAddUp(stored);
            // A client that kept up through answers and pulls holds exactly the stored book.
            Assert.True(copies[client].Version <= stored.Version, context);
            if (copies[client].Version == stored.Version) AssertSameRecords(stored, copies[client], context);
            if (step % 10 == 9) await owner.AssertConsistentAsync(bookId);
        }
        Assert.True(outcomes.GetValueOrDefault("applied") > Steps / 3, string.Join(", ", outcomes));
        // The run really crossed checkpoints (each one a boundary the cold reads above went across).
        Assert.True(await server.CheckpointVersionAsync(bookId) > 1);
    }

    // Rule 12 from its text: a field sent as in the base (the client's copy) keeps the stored value; a wallet reference
    // to a wallet created in the same request is always an edit; a merged transfer from a wallet to itself is
    // replaced by the client's whole record.
    private static SyncChanges Merged(SyncChanges changes, BookState copy, BookState stored)
    {
        var provisional = changes.Wallets.Where(w => w.Status == RecordStatus.New).Select(w => w.Id).ToHashSet();
        T Pick<T>(T mine, T was, T theirs) => EqualityComparer<T>.Default.Equals(mine, was) ? theirs : mine;
        long Ref(long mine, long was, long theirs) => provisional.Contains(mine) ? mine : Pick(mine, was, theirs);
        bool Both<T>(IReadOnlyDictionary<long, T> a, IReadOnlyDictionary<long, T> b, IRecordInput i, out T was, out T theirs)
        {
            was = default!;
            theirs = default!;
            return i.Status == RecordStatus.Modified && a.TryGetValue(i.Id, out was!) && b.TryGetValue(i.Id, out theirs!);
        }

        return new SyncChanges(
            [.. changes.Wallets.Select(i => Both(copy.Wallets, stored.Wallets, i, out var was, out var theirs)
                ? i with { Name = Pick(i.Name, was.Name, theirs.Name), Color = Pick(i.Color, was.Color, theirs.Color),
                    OpeningBalance = Pick(i.OpeningBalance, was.OpeningBalance, theirs.OpeningBalance), Remark = Pick(i.Remark, was.Remark, theirs.Remark) }
                : i)],
            [.. changes.Bills.Select(i => Both(copy.Bills, stored.Bills, i, out var was, out var theirs)
                ? i with { WalletId = Ref(i.WalletId, was.WalletId, theirs.WalletId), Amount = Pick(i.Amount, was.Amount, theirs.Amount),
                    Date = Pick(i.Date, was.Date, theirs.Date), Category = Pick(i.Category, was.Category, theirs.Category), Remark = Pick(i.Remark, was.Remark, theirs.Remark) }
                : i)],
            [.. changes.Transfers.Select(i =>
            {
                if (!Both(copy.Transfers, stored.Transfers, i, out var was, out var theirs)) return i;
                var merged = i with { FromWalletId = Ref(i.FromWalletId, was.FromWalletId, theirs.FromWalletId),
                    ToWalletId = Ref(i.ToWalletId, was.ToWalletId, theirs.ToWalletId), Amount = Pick(i.Amount, was.Amount, theirs.Amount),
                    Date = Pick(i.Date, was.Date, theirs.Date), Remark = Pick(i.Remark, was.Remark, theirs.Remark) };
                return merged.FromWalletId == merged.ToWalletId ? i : merged;
            })],
            [.. changes.Incomes.Select(i => Both(copy.Incomes, stored.Incomes, i, out var was, out var theirs)
                ? i with { WalletId = Ref(i.WalletId, was.WalletId, theirs.WalletId), Amount = Pick(i.Amount, was.Amount, theirs.Amount),
                    Date = Pick(i.Date, was.Date, theirs.Date), Category = Pick(i.Category, was.Category, theirs.Category), Remark = Pick(i.Remark, was.Remark, theirs.Remark) }
                : i)]);
    }

    // The book exactly as the database holds it (its checkpoint and the log after it), counters included.
    private async Task<BookState> StoredAsync(long bookId)
    {
        await using var connection = await server.Database.Connections().OpenAsync(CancellationToken.None);
        var head = await BookStore.ReadHeadAsync(connection, null, bookId, CancellationToken.None);
        return (await BookLoader.LoadAsync(connection, null, head!, cached: null, CancellationToken.None)).State;
    }

    private static HttpContent Body(string syncId, long baseVersion, SyncChanges changes) =>
        new StringContent(JsonSerializer.Serialize(new
        {
            syncId,
            baseVersion,
            wallets = changes.Wallets,
            bills = changes.Bills,
            transfers = changes.Transfers,
            incomes = changes.Incomes,
        }, BookJson.Options), System.Text.Encoding.UTF8, "application/json");

    private static async Task<BookState> PullAsync(UserClient user, long bookId, BookState? copy, long? since)
    {
        var url = since is null ? $"/api/books/{bookId}/changes" : $"/api/books/{bookId}/changes?since={since}";
        var changes = await (await user.Http.GetAsync(url)).ReadJsonAsync(HttpStatusCode.OK);
        return ApplyChangeSet(copy ?? BookState.Empty("", null), changes);
    }

    // What a client does with a ChangeSet: replace everything when full, else upsert and delete.
    private static BookState ApplyChangeSet(BookState copy, JsonElement json)
    {
        var set = json.Deserialize<ChangeSet>(BookJson.Options)!;
        if (set.Full) copy = BookState.Empty(set.Book.Name, set.Book.Remark);
        return copy with
        {
            Version = set.ToVersion,
            Name = set.Book.Name,
            Remark = set.Book.Remark,
            Wallets = Merge(copy.Wallets, set.Wallets, w => w.Id, set.Deleted.Wallets),
            Bills = Merge(copy.Bills, set.Bills, b => b.Id, set.Deleted.Bills),
            Transfers = Merge(copy.Transfers, set.Transfers, t => t.Id, set.Deleted.Transfers),
            Incomes = Merge(copy.Incomes, set.Incomes, i => i.Id, set.Deleted.Incomes),
        };
    }

    private static ImmutableSortedDictionary<long, T> Merge<T>(ImmutableSortedDictionary<long, T> records, IEnumerable<T> changed, Func<T, long> id,
        IEnumerable<long> deleted) =>
        records.SetItems(changed.Select(r => KeyValuePair.Create(id(r), r))).RemoveRange(deleted);

    private static void AssertSameRecords(BookState stored, BookState copy, string context)
    {
        Assert.True(stored.Wallets.Values.SequenceEqual(copy.Wallets.Values), $"{context}: wallets");
        Assert.True(stored.Bills.Values.SequenceEqual(copy.Bills.Values), $"{context}: bills");
        Assert.True(stored.Transfers.Values.SequenceEqual(copy.Transfers.Values), $"{context}: transfers");
        Assert.True(stored.Incomes.Values.SequenceEqual(copy.Incomes.Values), $"{context}: incomes");
    }
}
