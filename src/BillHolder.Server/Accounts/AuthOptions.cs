using System.ComponentModel.DataAnnotations;

namespace BillHolder.Server.Accounts;

internal sealed class AuthOptions : IValidatableObject
{
    public const string SectionName = "Auth";

    // Shipped in appsettings.json for local use only; Production refuses to start with it.
    public const string DevelopmentSigningKey = "billholder-development-signing-key-change-me-0123456789";

    public string Issuer { get; set; } = "billholder";

    public string Audience { get; set; } = "billholder";

    [Required(ErrorMessage = "Auth:SigningKey is required (env Auth__SigningKey), at least 32 characters.")]
    [MinLength(32, ErrorMessage = "Auth:SigningKey must be at least 32 characters (256 bits for HS256).")]
    public string SigningKey { get; set; } = "";

    [Range(1, 7 * 24 * 60)]
    public int AccessTokenMinutes { get; set; } = 12 * 60;

    // Failed logins allowed per username and client address inside the window (4x per address, 10x per
    // username from anywhere; see LoginThrottle).
    [Range(1, 1000)]
    public int MaxFailedLogins { get; set; } = 5;

    [Range(1, 24 * 60 * 60)]
    public int FailedLoginWindowSeconds { get; set; } = 15 * 60;

    public bool IsProduction { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (IsProduction && SigningKey == DevelopmentSigningKey)
        {
            yield return new ValidationResult(
                "Auth:SigningKey is the development key; set a secret one (env Auth__SigningKey) in Production.",
                [nameof(SigningKey)]);
        }
    }
}
