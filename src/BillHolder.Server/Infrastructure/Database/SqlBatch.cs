using System.Collections.Concurrent;
using System.Data.Common;
using System.Reflection;

namespace BillHolder.Server.Infrastructure.Database;

// Several statements sent in one round trip (a DbBatch, which the driver pipelines), each with its own
// parameters taken from an object's properties as Dapper does. For the writes of a sync batch.
internal sealed class SqlBatch(DbConnection connection, DbTransaction transaction)
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Properties = new();

    private readonly DbBatch _batch = connection.CreateBatch();

    public int Count => _batch.BatchCommands.Count;

    public void Add(string sql, object parameters)
    {
        var command = _batch.CreateBatchCommand();
        command.CommandText = sql;
        foreach (var property in Properties.GetOrAdd(parameters.GetType(), type => type.GetProperties()))
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + property.Name;
            parameter.Value = property.GetValue(parameters) ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        _batch.BatchCommands.Add(command);
    }

    public async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        if (Count == 0) return;
        _batch.Connection = connection;
        _batch.Transaction = transaction;
        await _batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
