using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace BillHolder.Benchmarks;

public static class Program
{
    // `--short`: one in-process launch, 3 warmups, 3 iterations; a few minutes on 2 cores, good to about +-10 %.
    // Without it BenchmarkDotNet's defaults apply (separate process, many iterations; much slower).
    // Every other argument goes to BenchmarkDotNet (--filter, --job, --exporters, ...).
    public static void Main(string[] args)
    {
        if (args.Contains("--memory"))
        {
            CachedBookMemory.Print();
            return;
        }
        var rest = args.Where(a => a != "--short").ToList();
        if (!rest.Contains("--filter")) rest.AddRange(["--filter", "*"]);
        IConfig config = DefaultConfig.Instance;
        if (args.Contains("--short"))
        {
            config = DefaultConfig.Instance.AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortInProcess"));
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. rest], config);
    }
}
