using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace AigneHub.FunctionalTests.Operations;

/// <summary>
/// The compose file and the Kubernetes manifests, checked offline (no container engine and no cluster exist on the
/// build machines): they parse, and they carry what issue 21 found missing — a key and a key ring from a documented
/// .env, a load balancer as the only service with host ports, health checks, restart policies, the journal on a volume,
/// the connection budget — and the Kubernetes objects reference each other consistently.
/// </summary>
public sealed partial class DeploymentFilesTests
{
    private static readonly string Docker = Path.Combine(RepositoryPaths.Root, "docker");
    private static readonly string Kubernetes = Path.Combine(RepositoryPaths.Root, "deploy", "k8s");

    /// <summary>PostgreSQL's default max_connections minus its reserved superuser slots.</summary>
    private const int UsableConnections = 100 - 3;

    [Fact]
    public void Compose_scales_the_hub_behind_a_load_balancer_that_alone_publishes_ports()
    {
        var services = (YamlMappingNode)Load(Path.Combine(Docker, "compose.yaml"))["services"];
        var hub = (YamlMappingNode)services["hub"];
        var lb = (YamlMappingNode)services["lb"];

        Assert.False(hub.Children.ContainsKey("ports"), "fixed host ports on the hub make --scale hub=3 fail");
        Assert.True(lb.Children.ContainsKey("ports"));
        Assert.All(services.Children.Values.Cast<YamlMappingNode>(), s => Assert.Equal("unless-stopped", Scalar(s, "restart")));
        Assert.True(hub.Children.ContainsKey("healthcheck"));
        Assert.Contains(((YamlSequenceNode)hub["volumes"]).Select(v => v.ToString()), v => v.StartsWith("journal:", StringComparison.Ordinal));

        var environment = ((YamlSequenceNode)hub["environment"]).Select(e => e.ToString().Split('=', 2)[0]).ToList();
        Assert.Contains("Access__BootstrapAdminKey", environment);
        Assert.Contains("Secrets__ActiveKeyId", environment);
        Assert.Contains(environment, e => e.StartsWith("Secrets__Keys__", StringComparison.Ordinal));
        Assert.Contains("Images__PublicBaseUrl", environment);
        Assert.Contains("Usage__JournalPath", environment);
        Assert.Contains("Database__MaxConnections", environment);

        var haproxy = File.ReadAllText(Path.Combine(Docker, "haproxy.cfg"));
        Assert.Contains("server-template hub", haproxy, StringComparison.Ordinal);
        Assert.Contains("proto h2", haproxy, StringComparison.Ordinal);
        Assert.Contains("GET /readyz", haproxy, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_variable_compose_requires_is_documented_in_the_env_example()
    {
        var compose = File.ReadAllText(Path.Combine(Docker, "compose.yaml"));
        var documented = File.ReadAllLines(Path.Combine(Docker, ".env.example"))
            .Where(l => !l.StartsWith('#') && l.Contains('=', StringComparison.Ordinal))
            .Select(l => l.Split('=', 2)[0])
            .ToHashSet(StringComparer.Ordinal);

        var used = Variable().Matches(compose).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.NotEmpty(used);
        Assert.All(used, v => Assert.Contains(v, documented));
    }

    [Fact]
    public void The_docker_build_context_leaves_build_output_and_secrets_out()
    {
        var ignored = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, ".dockerignore"));

        Assert.Contains("**/bin/", ignored);
        Assert.Contains("**/obj/", ignored);
        Assert.Contains("docker/.env", ignored);
    }

    [Fact]
    public void The_docker_readme_does_not_claim_there_is_no_client_authentication()
    {
        var readme = File.ReadAllText(Path.Combine(Docker, "README.md"));

        Assert.DoesNotContain("no client authentication", readme, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("--scale hub=3", readme, StringComparison.Ordinal);
    }

    [Fact]
    public void The_kubernetes_manifests_hold_every_object_and_reference_each_other()
    {
        var kustomization = Load(Path.Combine(Kubernetes, "kustomization.yaml"));
        var objects = ((YamlSequenceNode)kustomization["resources"])
            .Select(r => Load(Path.Combine(Kubernetes, r.ToString())))
            .ToList();
        Assert.All(objects, o =>
        {
            Assert.False(string.IsNullOrEmpty(Scalar(o, "apiVersion")));
            Assert.False(string.IsNullOrEmpty(Scalar((YamlMappingNode)o["metadata"], "name")));
        });
        var byKind = objects.ToDictionary(o => Scalar(o, "kind"));
        Assert.Equal(
            new[] { "ConfigMap", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Secret", "Service" },
            byKind.Keys.Order(StringComparer.Ordinal));

        var deployment = byKind["Deployment"];
        var spec = (YamlMappingNode)deployment["spec"];
        var podLabels = Labels((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)spec["template"])["metadata"])["labels"]);
        Assert.Subset(podLabels, Labels((YamlMappingNode)((YamlMappingNode)spec["selector"])["matchLabels"]));
        Assert.Subset(podLabels, Labels((YamlMappingNode)((YamlMappingNode)byKind["Service"]["spec"])["selector"]));
        Assert.Subset(podLabels, Labels((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)byKind["PodDisruptionBudget"]["spec"])["selector"])["matchLabels"]));
        var target = (YamlMappingNode)((YamlMappingNode)byKind["HorizontalPodAutoscaler"]["spec"])["scaleTargetRef"];
        Assert.Equal(("Deployment", Name(deployment)), (Scalar(target, "kind"), Scalar(target, "name")));

        var container = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)spec["template"])["spec"])["containers"])[0];
        var sources = ((YamlSequenceNode)container["envFrom"]).Cast<YamlMappingNode>().ToList();
        Assert.Contains(sources, s => s.Children.TryGetValue("configMapRef", out var r) && Scalar((YamlMappingNode)r, "name") == Name(byKind["ConfigMap"]));
        Assert.Contains(sources, s => s.Children.TryGetValue("secretRef", out var r) && Scalar((YamlMappingNode)r, "name") == Name(byKind["Secret"]));
        Assert.Equal("/readyz", Scalar((YamlMappingNode)((YamlMappingNode)container["readinessProbe"])["httpGet"], "path"));
        Assert.Equal("/healthz", Scalar((YamlMappingNode)((YamlMappingNode)container["livenessProbe"])["httpGet"], "path"));

        var secret = (YamlMappingNode)byKind["Secret"]["stringData"];
        Assert.All(new[] { "ConnectionStrings__Postgres", "Access__BootstrapAdminKey", "Secrets__ActiveKeyId" }, k => Assert.True(secret.Children.ContainsKey(k), k));
        Assert.Contains(secret.Children.Keys, k => k.ToString().StartsWith("Secrets__Keys__", StringComparison.Ordinal));
    }

    [Fact]
    public void The_most_pods_kubernetes_may_run_fit_postgres_default_max_connections()
    {
        var objects = Directory.GetFiles(Kubernetes, "*.yaml").Select(Load).Where(o => o.Children.ContainsKey("kind")).ToDictionary(o => Scalar(o, "kind"));
        var perPod = int.Parse(Scalar((YamlMappingNode)objects["ConfigMap"]["data"], "Database__MaxConnections"), System.Globalization.CultureInfo.InvariantCulture);
        var maxReplicas = int.Parse(Scalar((YamlMappingNode)objects["HorizontalPodAutoscaler"]["spec"], "maxReplicas"), System.Globalization.CultureInfo.InvariantCulture);
        var rolling = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)objects["Deployment"]["spec"])["strategy"])["rollingUpdate"];
        var surge = int.Parse(Scalar(rolling, "maxSurge"), System.Globalization.CultureInfo.InvariantCulture);

        Assert.True((maxReplicas + surge) * perPod <= UsableConnections, $"({maxReplicas} + {surge}) pods x {perPod} connections > {UsableConnections}");
    }

    private static YamlMappingNode Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private static string Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value ?? string.Empty : string.Empty;

    private static string Name(YamlMappingNode manifest) => Scalar((YamlMappingNode)manifest["metadata"], "name");

    private static HashSet<string> Labels(YamlMappingNode labels) =>
        labels.Children.Select(l => $"{l.Key}={l.Value}").ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"\$\{([A-Z_][A-Z0-9_]*)")]
    private static partial Regex Variable();
}
