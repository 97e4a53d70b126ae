using System.Diagnostics.Metrics;
using BillHolder.Server.Infrastructure.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace BillHolder.Tests.Infrastructure;

// BillHolderMetrics for classes tested without a host, with a way to read what one of its instruments holds.
internal sealed class TestMetrics
{
    private readonly IMeterFactory _factory = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    public TestMetrics() => Metrics = new BillHolderMetrics(_factory);

    public BillHolderMetrics Metrics { get; }

    public static BillHolderMetrics Unobserved() => new TestMetrics().Metrics;

    // The current value of one observable instrument of this meter (meters are process-wide: the factory tells ours).
    public long Observe(string instrument)
    {
        long value = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (published, l) =>
        {
            if (published.Name == instrument && ReferenceEquals(published.Meter.Scope, _factory)) l.EnableMeasurementEvents(published);
        };
        listener.SetMeasurementEventCallback<long>((_, measured, _, _) => value += measured);
        listener.Start();
        listener.RecordObservableInstruments();
        return value;
    }
}
