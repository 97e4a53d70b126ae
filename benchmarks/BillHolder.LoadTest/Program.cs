using BillHolder.LoadTest;

// Load tests against a running BillHolder server on 127.0.0.1. See benchmarks/README.md.
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("""
        usage: BillHolder.LoadTest <command> [--url http://127.0.0.1:5080] [--users 5] [options]
          rest   --books 10 --clients 20 --seconds 20 [--warmup 3] [--preload 0]   REST syncs/s and latency
          fanout --listeners 50 --syncs 200                                         hub push latency, 1 writer
          hub    --clients 200 --books 20 --seconds 20 [--warmup 3]                 hub syncs/s and latency
        fanout and hub take [--instances URL,URL,...]: hub clients dealt over those instances in turn (the
        fanout writer on the first), for several instances sharing one database and Redis.
          idle   --connections 2000 --seconds 30 --server-pid PID                   server RSS per idle connection
          floor  --db CONN --books 1 --clients 1 --seconds 10 [--warmup 2] [--mode log|rows]
                                                  the least database work of a 10-record sync, no server
          firstsync --records 200000 [--limit 1000] [--chunk 5000] [--server-pid PID] [--seed-only FILE | --book FILE]
                                                  first sync of a big book: snapshot pages vs one GET
        rest also takes [--chunk 5000] (records per seeding request), [--min-syncs N --max-seconds S]
        (measure until N syncs, at most S s) and [--db CONN] (redo bytes per sync from Innodb_os_log_written).
        """);
    return 2;
}

var parsed = Options.Parse(args.Skip(1));
if (!parsed.Url.IsLoopback || parsed.Instances.Any(u => !u.IsLoopback))
{
    Console.Error.WriteLine("refusing to load anything but 127.0.0.1");
    return 2;
}

var options = Options.Parse(args.Skip(1));
switch (args[0])
{
    case "rest": await RestTest.RunAsync(options); break;
    case "fanout": await FanoutTest.RunAsync(options); break;
    case "hub": await HubTest.RunAsync(options); break;
    case "idle": await IdleTest.RunAsync(options); break;
    case "floor": await FloorTest.RunAsync(options); break;
    case "firstsync": await FirstSyncTest.RunAsync(options); break;
    default:
        Console.Error.WriteLine($"unknown command '{args[0]}'");
        return 2;
}
return 0;
