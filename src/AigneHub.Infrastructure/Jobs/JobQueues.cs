namespace AigneHub.Infrastructure.Jobs;

/// <summary>
/// The Hangfire queue of each kind of job. The recurring job definitions are the cluster's; an instance's switches
/// (Billing:Jobs:Enabled, Images:CleanupEnabled, Reports:Enabled, Providers:CredentialRecheck:Enabled,
/// Cache:PruneEnabled) only decide
/// which of these queues its own Hangfire server works on (<see cref="For"/>), never what is scheduled.
/// </summary>
public static class JobQueues
{
    public const string Default = "default";
    public const string Billing = "billing";
    public const string Images = "images";
    public const string Reports = "reports";
    public const string Credentials = "credentials";
    public const string Cache = "cache";

    /// <summary>The queues this instance's server processes: always "default", plus those its switches leave on.</summary>
    public static string[] For(bool billing, bool images, bool reports, bool credentials, bool cache)
    {
        var queues = new List<string> { Default };
        if (billing)
        {
            queues.Add(Billing);
        }

        if (images)
        {
            queues.Add(Images);
        }

        if (reports)
        {
            queues.Add(Reports);
        }

        if (credentials)
        {
            queues.Add(Credentials);
        }

        if (cache)
        {
            queues.Add(Cache);
        }

        return [.. queues];
    }
}
