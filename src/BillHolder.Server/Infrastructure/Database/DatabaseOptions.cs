using System.ComponentModel.DataAnnotations;

namespace BillHolder.Server.Infrastructure.Database;

internal sealed class DatabaseOptions : IValidatableObject
{
    public const string SectionName = "Database";

    // Filled from ConnectionStrings:BillHolder (env: ConnectionStrings__BillHolder).
    [Required(ErrorMessage = "ConnectionStrings:BillHolder is required (env ConnectionStrings__BillHolder).")]
    public string ConnectionString { get; set; } = "";

    // Operators who run sql/ themselves set Database:ApplyMigrations=false.
    public bool ApplyMigrations { get; set; } = true;

    // Short, so that a database that accepts connections but does not answer is noticed quickly.
    [Range(1, 300)]
    public int ConnectTimeoutSeconds { get; set; } = 2;

    // Ordinary commands (everything a request or hub call runs). A sync of a full book takes ~0.3 s here, so this
    // leaves room; a command that takes longer is treated as the database not answering.
    [Range(1, 3600)]
    public int ShortCommandTimeoutSeconds { get; set; } = 3;

    // Long work that is expected to take a while: schema migrations, pruning (and imports, checkpoints).
    [Range(1, 3600)]
    public int CommandTimeoutSeconds { get; set; } = 30;

    // innodb_lock_wait_timeout of every session: a write waiting behind another for a row lock gives up after
    // this long (retried once, then 503), well before the short command timeout would call it an outage.
    [Range(1, 3600)]
    public int LockWaitTimeoutSeconds { get; set; } = 2;

    // How long requests are refused at once (503) after the database stopped answering, before one tries again.
    [Range(1, 300)]
    public int BreakSeconds { get; set; } = 5;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LockWaitTimeoutSeconds >= ShortCommandTimeoutSeconds)
        {
            yield return new ValidationResult(
                "Database:LockWaitTimeoutSeconds must be below Database:ShortCommandTimeoutSeconds: a lock wait must end as a lock wait, not as a timeout.",
                [nameof(LockWaitTimeoutSeconds)]);
        }
    }
}
