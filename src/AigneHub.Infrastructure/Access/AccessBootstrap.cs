using System.Runtime.InteropServices;
using AigneHub.Application.Access.Commands.CreateAccessKey;
using AigneHub.Application.Access.Commands.CreateUser;
using AigneHub.Application.Access.Commands.EnableUser;

namespace AigneHub.Infrastructure.Access;

/// <summary>
/// Makes sure someone can administer a new hub, before it serves. With a bootstrap key configured
/// (AIGNEHUB_BOOTSTRAP_ADMIN_KEY or Access:BootstrapAdminKey) that key is seeded for the owner unless it exists. Else,
/// on the embedded database, the first start creates the owner and a new owner key, writes the key to an owner-only
/// file in the data folder and prints it once. On a configured database without a bootstrap key and without users the
/// hub says how to get in. A bootstrap key the hub has not seen yet also enables the owner if they were disabled.
/// </summary>
internal sealed partial class AccessBootstrap(
    IDocumentStore store,
    IMediator mediator,
    HubDatabase database,
    IConfiguration configuration,
    IOptions<AccessOptions> options,
    ILogger<AccessBootstrap> logger) : IHostedService
{
    public const string OwnerUserId = "owner";
    public const string KeyFileName = "owner-key.txt";
    private const string System = "system";

    /// <summary>The hub itself as the creator of the first key: an owner whose credential has no bounds.</summary>
    private static readonly Application.Abstractions.Caller TheHub = new(System, UserRole.Owner, null, null, new HashSet<string>(KeyScopes.All, StringComparer.Ordinal));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var configured = options.Value.BootstrapAdminKey ?? configuration[AccessOptions.BootstrapKeyVariable];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            if (!AccessKeyToken.TryParse(configured.Trim(), out var token))
            {
                throw new InvalidOperationException(
                    $"{AccessOptions.BootstrapKeyVariable} must look like ahk_<16 lowercase hex characters>_<at least 43 base64url characters>.");
            }

            await SeedAsync(token, cancellationToken);
            return;
        }

        await using (var session = store.QuerySession())
        {
            if (await session.Query<HubUser>().AnyAsync(cancellationToken))
            {
                return;
            }
        }

        if (database.EmbeddedDataPath is not { } dataPath)
        {
            LogNoOwner(logger, AccessOptions.BootstrapKeyVariable);
            return;
        }

        var created = AccessKeyToken.New();
        var path = Path.Combine(Path.GetFullPath(dataPath), KeyFileName);
        WriteOwnerOnly(path, created.Text + Environment.NewLine);
        await SeedAsync(created, cancellationToken);

        // Printed, not logged: log pipelines ship lines elsewhere; this is for the person who started the hub.
        Console.Out.WriteLine(
            $"""

            ==== AIGNE Hub: first start ====
            An owner and an owner access key were created. Use the key as 'Authorization: Bearer <key>':
                {created.Text}
            It is shown only this once; a copy is in {path} (readable by you only).
            ================================

            """);
        LogOwnerCreated(logger, created.KeyId, path);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task SeedAsync(AccessKeyToken token, CancellationToken cancellationToken)
    {
        await using (var session = store.QuerySession())
        {
            if (await session.LoadAsync<AccessKey>(token.KeyId, cancellationToken) is not null)
            {
                return;
            }

            var owner = await session.LoadAsync<HubUser>(OwnerUserId, cancellationToken);
            if (owner is { IsDisabled: true })
            {
                // A new bootstrap key is the operator's way back in (were every owner disabled, say, by two owners
                // disabling each other at once): the owner is enabled again, with every key they hold.
                try
                {
                    await mediator.Send(new EnableUserCommand(OwnerUserId, 0, TheHub), cancellationToken);
                    LogOwnerEnabled(logger, token.KeyId);
                }
                catch (ConflictException)
                {
                    // Another instance starting with the same key enabled them meanwhile, or could not either: look.
                    await using var again = store.QuerySession();
                    if (await again.LoadAsync<HubUser>(OwnerUserId, cancellationToken) is { IsDisabled: true })
                    {
                        LogOwnerStillDisabled(logger, token.KeyId);
                        return;
                    }
                }
            }

            if (owner is null)
            {
                try
                {
                    await mediator.Send(new CreateUserCommand(OwnerUserId, "Owner", null, UserRole.Owner, null, System, null), cancellationToken);
                }
                catch (ConflictException)
                {
                    // Another instance starting at the same time created it.
                }
            }
        }

        try
        {
            await mediator.Send(
                new CreateAccessKeyCommand(OwnerUserId, null, "bootstrap owner key", KeyScopes.All, [], [], null, TheHub, token),
                cancellationToken);
            LogSeeded(logger, token.KeyId);
        }
        catch (ConflictException)
        {
            // Seeded by another instance meanwhile.
        }
    }

    private static void WriteOwnerOnly(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, fileOptions))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }

        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The owner was disabled; a new bootstrap key ({KeyId}) enabled them again, with every key they hold")]
    private static partial void LogOwnerEnabled(ILogger logger, string keyId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The owner is disabled and could not be enabled again, so the bootstrap key {KeyId} was not seeded; restart to try again")]
    private static partial void LogOwnerStillDisabled(ILogger logger, string keyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded the bootstrap owner key {KeyId} for the owner")]
    private static partial void LogSeeded(ILogger logger, string keyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "First start: created the owner and owner key {KeyId}; the key is in {Path}")]
    private static partial void LogOwnerCreated(ILogger logger, string keyId, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The hub has no users and no bootstrap key: set {Variable} to an owner key (ahk_<16 hex>_<43+ base64url>) and restart to administer it")]
    private static partial void LogNoOwner(ILogger logger, string variable);
}
