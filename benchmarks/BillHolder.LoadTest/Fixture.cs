namespace BillHolder.LoadTest;

// A handful of users (one user may hold many connections) and books they all edit.
internal sealed record Fixture(Api Api, IReadOnlyList<User> Users, IReadOnlyList<BookInfo> Books)
{
    public static async Task<Fixture> CreateAsync(Api api, int users, int books, int preload, int chunk = 5_000)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var accounts = new List<User>();
        for (var i = 0; i < Math.Max(1, users); i++) accounts.Add(await api.RegisterAndLoginAsync($"lt{run}u{i}"));
        var created = new List<BookInfo>();
        for (var b = 0; b < books; b++)
        {
            var book = await api.CreateBookAsync(accounts[0], $"load {b}", preload, chunk);
            foreach (var user in accounts.Skip(1)) await api.AddMemberAsync(accounts[0], book.Id, user.Username, "editor");
            created.Add(book);
        }
        Console.WriteLine($"setup: {accounts.Count} users, {books} book(s) with {preload} preloaded bills each");
        return new Fixture(api, accounts, created);
    }

    public User UserFor(int client) => Users[client % Users.Count];

    public BookInfo BookFor(int client) => Books[client % Books.Count];
}
