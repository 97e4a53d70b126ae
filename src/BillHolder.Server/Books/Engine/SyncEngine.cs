using System.Collections.Immutable;
using BillHolder.Server.Infrastructure.Errors;

namespace BillHolder.Server.Books.Engine;

// The sync rules: a validated request applied to a book, all or nothing. Pure and synchronous; storage,
// locking and transport wrap it. Rule numbers are those of the README's "A sync" section.
internal static class SyncEngine
{
    public static readonly ByCollection<IReadOnlyDictionary<long, long>> NoIds = ByCollection<IReadOnlyDictionary<long, long>>.Of(_ => new Dictionary<long, long>());

    public static SyncOutcome Apply(BookState book, SyncRequest request, string username, long nowMs) =>
        Apply(book, request, username, nowMs, SyncBases.None);

    // Bases: the records as the client last received them, where they differ from the stored ones (rule 12).
    public static SyncOutcome Apply(BookState book, SyncRequest request, string username, long nowMs, SyncBases bases)
    {
        var changes = request.Changes;
        // Only used if something changes; otherwise the original book is returned as is.
        var stamp = new Stamp(username, nowMs, book.Version + 1);

        if (DuplicateIds(changes) is { } duplicates)
        {
            return new SyncOutcome.Rejected(ErrorCodes.ValidationFailed,
                "A record id appears twice in one collection.", duplicates, null);
        }

        // Rule 3: ids come from per-book counters that only move forward, so deleted ids are never reused.
        // Rule 4: new wallets get their ids before anything else, so every wallet reference in the request
        // (new or modified records) resolves in exactly one lookup: a provisional id of a wallet created
        // here means that wallet, any other value means an existing wallet. Never remapped twice.
        var newIds = changes.All.Select((collection, inputs) => AssignIds(inputs, book.NextIds[collection]));
        var walletIds = newIds.Wallets;
        long ResolveWallet(long id) => walletIds.TryGetValue(id, out var serverId) ? serverId : id;

        var skipped = new List<SkippedRecord>();
        var deltas = new Dictionary<long, Int128>();
        var merger = new Merger(bases, request.BaseVersion);
        var wallets = ApplyCollection(book.Wallets, changes.Wallets, walletIds, ResolveWallet, stamp, skipped, deltas, merger);
        var bills = ApplyCollection(book.Bills, changes.Bills, newIds.Bills, ResolveWallet, stamp, skipped, deltas, merger);
        var transfers = ApplyCollection(book.Transfers, changes.Transfers, newIds.Transfers, ResolveWallet, stamp, skipped, deltas, merger);
        var incomes = ApplyCollection(book.Incomes, changes.Incomes, newIds.Incomes, ResolveWallet, stamp, skipped, deltas, merger);

        // Rule 7: references are judged on the book as it will be after the whole sync. A non-provisional
        // reference must name a wallet that existed before and still exists; that excludes ids just handed
        // out to this request's new wallets, which the client cannot have known.
        bool WalletExistsAfter(long raw) =>
            walletIds.ContainsKey(raw) || (book.Wallets.ContainsKey(raw) && wallets.Records.ContainsKey(raw));
        var unknown = new Dictionary<string, string[]>();
        // Rule 12: a reference the merge kept from the stored record (the client left it as at its base) is judged
        // by the wallet the merged record names, not by the stale id the client echoed.
        bool ReferenceHolds(long raw, long? merged) =>
            merged is not { } kept || kept == ResolveWallet(raw) ? WalletExistsAfter(raw) : wallets.Records.ContainsKey(kept);
        CollectUnknownWallets(bills, changes.Bills, ReferenceHolds, unknown);
        CollectUnknownWallets(transfers, changes.Transfers, ReferenceHolds, unknown);
        CollectUnknownWallets(incomes, changes.Incomes, ReferenceHolds, unknown);
        if (unknown.Count > 0)
        {
            return new SyncOutcome.Rejected(ErrorCodes.UnknownWallet,
                "Records refer to wallets that do not exist after this sync.", unknown, null);
        }

        if (wallets.Deleted.Count > 0)
        {
            var deleted = wallets.Deleted.ToHashSet();
            var inUse = ReferencesTo(deleted, bills).Concat(ReferencesTo(deleted, transfers))
                .Concat(ReferencesTo(deleted, incomes)).ToList();
            if (inUse.Count > 0)
            {
                return new SyncOutcome.Rejected(ErrorCodes.WalletInUse,
                    "Deleted wallets are still used by other records.", null, inUse);
            }
        }

        // Rule 8: a balance is the opening balance plus the effects of every record on it. Only the records this
        // sync changed can move one, so each stored balance moves by what they changed (O(changes), not
        // O(book)); the result equals a full recomputation, which the consistency check and the model tests
        // verify. A new wallet starts from 0 plus its own opening balance. Wallets whose balance moved are changed.
        var overflow = new List<string>();
        foreach (var (walletId, delta) in deltas.OrderBy(d => d.Key))
        {
            if (delta == 0 || !wallets.Records.TryGetValue(walletId, out var wallet)) continue;
            var total = wallet.Balance + delta;
            if (!BookBalances.FitsInt64(total))
            {
                overflow.Add($"balance of wallet {walletId} would exceed the 64-bit range");
                continue;
            }

            if (wallet.Balance != (long)total)
            {
                var rebalanced = wallet with { Balance = (long)total, Version = stamp.Version };
                wallets.Records[walletId] = rebalanced;
                wallets.Changed[walletId] = rebalanced;
            }
        }

        if (overflow.Count > 0)
        {
            return new SyncOutcome.Rejected(ErrorCodes.ValidationFailed, "A wallet balance would overflow.",
                new Dictionary<string, string[]> { ["wallets"] = overflow.ToArray() }, null);
        }

        // Rule 9: book name and remark change only if they differ; rule 12: they merge like record fields.
        var (name, remark) = merger.Book(book, request.Book);
        var metaChanged = !string.Equals(name, book.Name, StringComparison.Ordinal)
            || !string.Equals(remark, book.Remark, StringComparison.Ordinal);

        var applied = new AppliedChanges(wallets.Summary(), bills.Summary(), transfers.Summary(),
            incomes.Summary(), metaChanged);

        // Rule 9: nothing changed, nothing stored: same version, same book.
        if (!applied.Any)
        {
            return new SyncOutcome.Applied(book, NoIds, skipped, applied, merger.Conflicts, merger.WholeRecords);
        }

        var next = new BookState(stamp.Version, name, remark, wallets.Records.ToImmutable(), bills.Records.ToImmutable(),
            transfers.Records.ToImmutable(), incomes.Records.ToImmutable(),
            book.NextIds.Select((collection, counter) => counter + newIds[collection].Count));
        return new SyncOutcome.Applied(next, newIds.Select((_, ids) => (IReadOnlyDictionary<long, long>)ids), skipped, applied,
            merger.Conflicts, merger.WholeRecords);
    }

    private static CollectionPass<T> ApplyCollection<T, TInput>(ImmutableSortedDictionary<long, T> stored,
        IReadOnlyList<TInput> inputs, IReadOnlyDictionary<long, long> newIds, Func<long, long> resolveWallet,
        Stamp stamp, List<SkippedRecord> skipped, Dictionary<long, Int128> deltas, Merger merger)
        where T : class, ISyncedRecord<T, TInput>
        where TInput : IRecordInput
    {
        var pass = new CollectionPass<T>(T.Collection, stored.ToBuilder());
        for (var index = 0; index < inputs.Count; index++)
        {
            var input = inputs[index];
            // Lookups go to the stored book, never to records created earlier in this same request.
            var exists = stored.TryGetValue(input.Id, out var existing);
            switch (input.Status)
            {
                case RecordStatus.Synchronized:
                    break; // Rule 2: the client only echoes its copy; the server copy stands.

                case RecordStatus.New: // Rule 3
                    var id = newIds[input.Id];
                    var created = T.Create(id, input, resolveWallet)
                        .WithCreation(stamp.User, input.CreatedAt ?? stamp.NowMs)
                        .WithEdit(stamp.User, input.LastEditedAt ?? stamp.NowMs, stamp.Version);
                    pass.Records[id] = created;
                    pass.Changed[id] = created;
                    BookBalances.AddChange(deltas, null, created);
                    pass.NewCount++;
                    pass.AppliedIndexes.Add(index);
                    break;

                case RecordStatus.Modified when exists: // Rules 5 and 12
                    pass.AppliedIndexes.Add(index);
                    var candidate = merger.Modified(existing!, existing!.WithClientFields(input, resolveWallet), input);
                    if (candidate.Equals(existing))
                    {
                        break; // identical fields: not a change, so no version bump for it
                    }

                    var edited = candidate.WithEdit(stamp.User, input.LastEditedAt ?? stamp.NowMs, stamp.Version);
                    pass.Records[input.Id] = edited;
                    pass.Changed[input.Id] = edited;
                    BookBalances.AddChange(deltas, existing, edited);
                    pass.ModifiedCount++;
                    break;

                case RecordStatus.Deleted when exists: // Rules 6 and 12
                    merger.Deleted(existing!, input);
                    pass.Records.Remove(input.Id);
                    pass.Deleted.Add(input.Id);
                    BookBalances.AddChange(deltas, existing, null);
                    break;

                default: // modify or delete of a record the server does not have (rules 5, 6)
                    skipped.Add(new SkippedRecord(pass.Collection, input.Id, input.Status, SkippedRecord.NotFound));
                    break;
            }
        }

        return pass;
    }

    private static Dictionary<long, long> AssignIds(IReadOnlyList<IRecordInput> inputs, long next)
    {
        var ids = new Dictionary<long, long>();
        foreach (var input in inputs.Where(i => i.Status == RecordStatus.New))
        {
            ids[input.Id] = next++;
        }

        return ids;
    }

    // The parser already rejects these; checked again because ids key everything below.
    private static Dictionary<string, string[]>? DuplicateIds(SyncChanges changes)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var collection in Collections.All)
        {
            var seen = new HashSet<long>();
            var inputs = changes.All[collection];
            for (var index = 0; index < inputs.Count; index++)
            {
                if (!seen.Add(inputs[index].Id))
                {
                    errors[$"{collection.JsonName()}[{index}].id"] = ["duplicate id in this collection"];
                }
            }
        }

        return errors.Count > 0 ? errors : null;
    }

    private static void CollectUnknownWallets<T, TInput>(CollectionPass<T> pass, IReadOnlyList<TInput> inputs,
        Func<long, long?, bool> referenceHolds, Dictionary<string, string[]> errors)
        where T : class, ISyncedRecord<T, TInput>
        where TInput : IRecordInput
    {
        foreach (var index in pass.AppliedIndexes)
        {
            var input = inputs[index];
            var merged = input.Status == RecordStatus.Modified && pass.Records.TryGetValue(input.Id, out var record) ? record : null;
            foreach (var (field, walletId) in input.WalletReferences())
            {
                var after = merged is not null && T.Fields.First(f => f.Name == field).Get(merged) is long value ? value : (long?)null;
                if (!referenceHolds(walletId, after))
                {
                    errors[$"{pass.Collection.JsonName()}[{index}].{field}"] =
                        [$"wallet {walletId} does not exist after this sync"];
                }
            }
        }
    }

    private static IEnumerable<RecordRef> ReferencesTo<T>(HashSet<long> walletIds, CollectionPass<T> pass)
        where T : class, IBookRecord =>
        pass.Records.Values
            .Where(record => record.WalletIds().Any(walletIds.Contains))
            .Select(record => new RecordRef(pass.Collection, record.Id));
}
