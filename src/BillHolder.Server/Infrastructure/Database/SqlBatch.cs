using System.Collections.Concurrent;
using System.Data.Common;
using System.Reflection;

namespace BillHolder.Server.Infrastructure.Database;

// Several statements sent in one round trip (a DbBatch, which the driver pipelines), each with its own
// parameters taken from an object's properties as Dapper does. For the writes of a sync batch. The transaction
// is null when the statements themselves end it (a sync batch's COMMIT rides with its writes).
internal sealed class SqlBatch(DbConnection connection, DbTransaction? transaction)
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Properties = new();

    private readonly DbBatch _batch = connection.CreateBatch();

    public int Count => _batch.BatchCommands.Count;

    // More: a second object's properties, for a statement that needs a few beyond those of its row.
    public void Add(string sql, object? parameters = null, object? more = null)
    {
        var command = _batch.CreateBatchCommand();
        command.CommandText = sql;
        if (parameters is not null) AddParameters(command, parameters);
        if (more is not null) AddParameters(command, more);
        _batch.BatchCommands.Add(command);
    }

    private static void AddParameters(DbBatchCommand command, object parameters)
    {
        foreach (var property in Properties.GetOrAdd(parameters.GetType(), type => type.GetProperties()))
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + property.Name;
            parameter.Value = property.GetValue(parameters) ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
    }

    public async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        if (Count == 0) return;
        _batch.Connection = connection;
        _batch.Transaction = transaction;
        await _batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
