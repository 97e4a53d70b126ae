namespace BillHolder.Server.Books.Engine;

// A stored record. Stored records are immutable; clients always see them as synchronized (status 0).
internal interface IBookRecord
{
    long Id { get; }

    long Version { get; }

    IEnumerable<long> WalletIds();

    // What the record adds to wallet balances: a wallet its opening balance, a bill -amount to its wallet, an
    // income +amount, a transfer -amount from and +amount to. A balance is the sum of every effect on it.
    IEnumerable<(long WalletId, long Amount)> BalanceEffects();
}

// How a stored record kind takes its client fields from its input. Audit fields (created/edited by/at,
// version) are never touched by Create/WithClientFields: the engine stamps them separately, which lets
// "modify with identical fields" be detected by plain record equality. Methods, not properties, so the
// records' JSON is unaffected.
internal interface ISyncedRecord<TSelf, TInput> : IBookRecord
    where TSelf : ISyncedRecord<TSelf, TInput>
    where TInput : IRecordInput
{
    static abstract Collection Collection { get; }

    static abstract TSelf Create(long id, TInput input, Func<long, long> resolveWallet);

    TSelf WithClientFields(TInput input, Func<long, long> resolveWallet);

    TSelf WithCreation(string user, long at);

    TSelf WithEdit(string user, long at, long version);

    // The client fields, each compared and taken on its own by the field-level merge.
    static abstract IReadOnlyList<RecordField<TSelf>> Fields { get; }

    // Cross-field rules the parser checks on each input, checked again on a merged record.
    bool IsConsistent();
}

// One client field of a record kind: its JSON name, its value (a long or a string, compared with Equals) and how
// to copy it from one record to another.
internal sealed record RecordField<T>(string Name, Func<T, object?> Get, Func<T, T, T> Take);

// What a client sent for one record, already validated by the parser. For Synchronized and Deleted records
// only Id and Status are meaningful; the other fields hold defaults.
internal interface IRecordInput
{
    long Id { get; }
    RecordStatus Status { get; }
    long? CreatedAt { get; }
    long? LastEditedAt { get; }

    // The record version the client edited (its base), when it sent one.
    long? Version { get; }

    // Raw wallet references as sent (possibly provisional ids), with the field name for error paths.
    IEnumerable<(string Field, long WalletId)> WalletReferences();
}
