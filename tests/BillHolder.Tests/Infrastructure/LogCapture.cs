using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace BillHolder.Tests.Infrastructure;

// A logger provider that keeps every formatted entry (with its exception text) in memory.
internal sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, string Text)> _entries = new();

    public IReadOnlyList<(string Category, string Text)> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<(string, string)> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue((category, formatter(state, exception) + (exception is null ? "" : " " + exception)));
    }
}
