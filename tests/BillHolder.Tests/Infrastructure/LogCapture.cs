using System.Collections.Concurrent;
using BillHolder.Server.Infrastructure.Logging;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace BillHolder.Tests.Infrastructure;

// A Serilog sink beside the console one: it receives each event after the server's levels, filters and
// masking, exactly as the console does, and keeps it with the line the console would print.
internal sealed class LogCapture : ILogEventSink
{
    private static readonly MessageTemplateTextFormatter ConsoleLine = new(LoggingExtensions.ConsoleTemplate);

    private static readonly MessageTemplateTextFormatter ConsoleMessage = new("{Message:lj}");

    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public void Emit(LogEvent logEvent)
    {
        var category = logEvent.Properties.TryGetValue(Constants.SourceContextPropertyName, out var source) && source is ScalarValue { Value: string name }
            ? name : "";
        var rendered = new StringWriter();
        ConsoleMessage.Format(logEvent, rendered);
        var message = rendered.ToString();
        var line = new StringWriter();
        ConsoleLine.Format(logEvent, line);
        _entries.Enqueue(new LogEntry(logEvent.Level, category, logEvent.Exception is null ? message : $"{message} {logEvent.Exception}", line.ToString()));
    }
}

// Text is the rendered message (and exception); Line is the whole console line.
internal sealed record LogEntry(LogEventLevel Level, string Category, string Text, string Line);
