using BillHolder.ClusterAgent;

// Usage: BillHolder.ClusterAgent --url <proxy> --token <access token> --book <id> [--want <instance>]
// Reads one JSON command per line on stdin, writes one JSON event per line on stdout (see Agent).
var arguments = args.Chunk(2).ToDictionary(pair => pair[0].TrimStart('-'), pair => pair[1]);
await using var agent = new Agent(new Uri(arguments["url"]), arguments["token"], long.Parse(arguments["book"]));
await agent.StartAsync(arguments.GetValueOrDefault("want"));
await agent.RunAsync(Console.In);
