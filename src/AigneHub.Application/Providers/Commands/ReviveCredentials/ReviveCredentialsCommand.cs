namespace AigneHub.Application.Providers.Commands.ReviveCredentials;

/// <summary>
/// Re-checks every credential the hub disabled because its upstream refused it (401/403) whose backoff has passed
/// (see <c>CredentialRecheck</c>): one that now passes is enabled again by "system"; one that still fails gets its
/// failed check recorded, which doubles its next wait up to <paramref name="MaxBackoff"/>.
/// </summary>
/// <param name="FirstBackoff">The wait after the credential was disabled before its first re-check.</param>
public sealed record ReviveCredentialsCommand(TimeSpan FirstBackoff, TimeSpan MaxBackoff) : ICommand<RevivalReport>;

/// <param name="Checked">Credentials probed in this run.</param>
/// <param name="Revived">Of those, the ones enabled again.</param>
public sealed record RevivalReport(int Checked, int Revived);
