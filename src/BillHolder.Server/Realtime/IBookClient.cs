using BillHolder.Server.Books.Engine;

namespace BillHolder.Server.Realtime;

// What the server pushes to a connection. Method names are the wire names (camelCase on the JS side is not applied
// to method names: clients register "BookChanged", "PresenceChanged", "BookClosed").
internal interface IBookClient
{
    Task BookChanged(ChangeSet changes);

    Task PresenceChanged(long bookId, IReadOnlyList<string> users);

    Task BookClosed(long bookId, string reason);
}

internal static class BookClosedReasons
{
    public const string BookDeleted = "book_deleted";
    public const string MembershipRemoved = "membership_removed";
}
