using BillHolder.Server.Books.Engine;

namespace BillHolder.Server.Books;

// What Books tells the world after the fact; Realtime implements it (pushes to open connections). Calls are
// made after the change committed, in version order per book (BookChanged under the book's lock), and must not
// block: implementations queue and return.
internal interface IBookEvents
{
    // Origin is the hub connection that sent the sync (it gets the answer, not a push), or null.
    void BookChanged(ChangeSet changes, string? origin);

    void BookDeleted(long bookId);

    void MemberRemoved(long bookId, long userId);
}
