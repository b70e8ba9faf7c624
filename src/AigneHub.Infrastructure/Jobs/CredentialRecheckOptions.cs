namespace AigneHub.Infrastructure.Jobs;

/// <summary>
/// The re-check of credentials the hub disabled because their upstream refused them (section
/// "Providers:CredentialRecheck"). The job runs every minute; each credential waits <see cref="FirstBackoffSeconds"/>
/// after it was disabled, then twice as long after every failed re-check, at most <see cref="MaxBackoffSeconds"/>.
/// </summary>
public sealed class CredentialRecheckOptions : IValidatableObject
{
    public const string Section = "Providers:CredentialRecheck";

    /// <summary>Off: this instance does not run the re-check (the job stays defined for the cluster; when no instance runs it, refused credentials stay disabled until an operator enables them).</summary>
    public bool Enabled { get; set; } = true;

    [Range(1, 86_400)]
    public int FirstBackoffSeconds { get; set; } = 60;

    [Range(1, 7 * 86_400)]
    public int MaxBackoffSeconds { get; set; } = 3_600;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxBackoffSeconds < FirstBackoffSeconds)
        {
            yield return new ValidationResult("MaxBackoffSeconds must not be less than FirstBackoffSeconds.", [nameof(MaxBackoffSeconds)]);
        }
    }
}
