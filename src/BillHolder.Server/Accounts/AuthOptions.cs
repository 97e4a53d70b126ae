using System.ComponentModel.DataAnnotations;

namespace BillHolder.Server.Accounts;

internal sealed class AuthOptions : IValidatableObject
{
    public const string SectionName = "Auth";

    // Shipped in appsettings.json for local use only; every environment but Development refuses to start with it
    // (it is public, so anyone could sign tokens a Staging or Test server would believe).
    public const string DevelopmentSigningKey = "billholder-development-signing-key-change-me-0123456789";

    public string Issuer { get; set; } = "billholder";

    public string Audience { get; set; } = "billholder";

    [Required(ErrorMessage = "Auth:SigningKey is required (env Auth__SigningKey), at least 32 characters.")]
    [MinLength(32, ErrorMessage = "Auth:SigningKey must be at least 32 characters (256 bits for HS256).")]
    public string SigningKey { get; set; } = "";

    // Short, because a signed token cannot be taken back: revocation reaches it through the session check only.
    [Range(1, 7 * 24 * 60)]
    public int AccessTokenMinutes { get; set; } = 15;

    [Range(1, 3650)]
    public int RefreshTokenDays { get; set; } = 30;

    // A session ends this long after its sign-in however often it is refreshed.
    [Range(1, 3650)]
    public int SessionMaxDays { get; set; } = 90;

    // A rotated refresh token presented again this soon is the loser of a race (two tabs refreshing at once),
    // later a stolen copy: the session is revoked. 0: every reuse counts as theft.
    [Range(0, 3600)]
    public int RefreshReuseGraceSeconds { get; set; } = 30;

    // How long a session's state is believed before the database is asked again (per process); a session revoked
    // through another instance is refused at the latest this much later. 0 asks on every request.
    [Range(0, 3600)]
    public int SessionCheckSeconds { get; set; } = 30;

    // Registrations (attempts that pass validation) per client address, and over all addresses, per window.
    // The global bound caps what a botnet can cost us, at the price of turning newcomers away while it lasts.
    [Range(1, 10_000_000)]
    public int MaxRegistrationsPerAddress { get; set; } = 10;

    [Range(1, 10_000_000)]
    public int MaxRegistrations { get; set; } = 1000;

    [Range(1, 7 * 24 * 60 * 60)]
    public int RegistrationWindowSeconds { get; set; } = 60 * 60;

    // Failed logins allowed per username and client address inside the window (4x per address, 10x per
    // username from anywhere; see LoginThrottle).
    [Range(1, 1000)]
    public int MaxFailedLogins { get; set; } = 5;

    [Range(1, 24 * 60 * 60)]
    public int FailedLoginWindowSeconds { get; set; } = 15 * 60;

    // Ended sessions (expired, refresh expired, revoked) are deleted this long after they ended, hourly, with
    // the refresh tokens rotated away in them. A missing session is as refused as a revoked one.
    [Range(0, 3650)]
    public int EndedSessionRetentionDays { get; set; } = 1;

    public bool IsDevelopment { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsDevelopment && SigningKey == DevelopmentSigningKey)
        {
            yield return new ValidationResult(
                "Auth:SigningKey is the development key, which only the Development environment accepts; set a secret one (env Auth__SigningKey).",
                [nameof(SigningKey)]);
        }
    }
}
