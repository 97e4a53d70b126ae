using System.Diagnostics.Metrics;
using BillHolder.Server.Infrastructure.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace BillHolder.Tests.Infrastructure;

// For classes tested without a host: a meter nobody listens to.
internal static class TestMetrics
{
    public static BillHolderMetrics Unobserved() =>
        new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
}
