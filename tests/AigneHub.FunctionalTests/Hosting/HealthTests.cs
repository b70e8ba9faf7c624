using System.Net;
using Grpc.Health.V1;

namespace AigneHub.FunctionalTests.Hosting;

[Collection(HubCollection.Name)]
public sealed class HealthTests(HubFixture hub)
{
    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task Health_endpoints_answer_healthy_when_the_database_is_reachable(string path)
    {
        using var response = await hub.Rest.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Grpc_health_service_reports_serving()
    {
        var reply = await new Health.HealthClient(hub.Grpc).CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }
}
