using System.ComponentModel.DataAnnotations;

namespace BillHolder.Server.Infrastructure.Database;

internal sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    // Filled from ConnectionStrings:BillHolder (env: ConnectionStrings__BillHolder).
    [Required(ErrorMessage = "ConnectionStrings:BillHolder is required (env ConnectionStrings__BillHolder).")]
    public string ConnectionString { get; set; } = "";

    // Operators who run sql/ themselves set Database:ApplyMigrations=false.
    public bool ApplyMigrations { get; set; } = true;

    [Range(1, 300)]
    public int ConnectTimeoutSeconds { get; set; } = 5;

    [Range(1, 3600)]
    public int CommandTimeoutSeconds { get; set; } = 30;
}
