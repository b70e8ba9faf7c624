namespace AigneHub.Infrastructure.Security;

/// <summary>
/// Start-up validation of the key ring: loads it exactly as the protector will (configuration, key file, or the
/// embedded default), so a missing active key, a key of the wrong length, a bad id or an unsafe key file stops the hub
/// before it serves, with every problem listed and no key material in any message.
/// </summary>
internal sealed class SecretKeyRingOptionsValidator(string? embeddedDataPath) : IValidateOptions<SecretKeyRingOptions>
{
    public ValidateOptionsResult Validate(string? name, SecretKeyRingOptions options) =>
        SecretKeyRing.TryLoad(options, embeddedDataPath, out var failures) is null
            ? ValidateOptionsResult.Fail(failures)
            : ValidateOptionsResult.Success;
}
