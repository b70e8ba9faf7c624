// <chat>
using AigneHub.Api.Grpc.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

using var channel = GrpcChannel.ForAddress(Environment.GetEnvironmentVariable("HUB_GRPC_URL") ?? "http://127.0.0.1:8081");
var inference = new Inference.InferenceClient(channel);
// Every call carries the hub access key as metadata.
var key = new Metadata { { "authorization", $"Bearer {Environment.GetEnvironmentVariable("HUB_KEY")}" } };

var request = new CreateChatCompletionRequest { Model = "demo/echo" };
request.Messages.Add(new ChatMessage { Role = "user", Content = Value.ForString("Hello over gRPC") });

var reply = await inference.CreateChatCompletionAsync(request, key);
Console.WriteLine($"{reply.Model}: {reply.Choices[0].Message.Content} ({reply.Usage.TotalTokens} tokens)");
// demo/echo: Hello over gRPC (6 tokens)

using var call = inference.StreamChatCompletion(request, key);
await foreach (var chunk in call.ResponseStream.ReadAllAsync())
{
    foreach (var choice in chunk.Choices)
    {
        Console.Write(choice.Delta?.Content);
    }
}

Console.WriteLine();
// Hello over gRPC
// </chat>

// <validation>
try
{
    await inference.CreateChatCompletionAsync(new CreateChatCompletionRequest(request) { Temperature = 3 }, key);
}
catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
{
    var badRequest = ex.GetRpcStatus()?.GetDetail<Google.Rpc.BadRequest>();
    foreach (var violation in badRequest?.FieldViolations ?? [])
    {
        Console.WriteLine($"{violation.Field}: {violation.Description}");
        // temperature: 'temperature' must be between 0 and 2. You entered 3.
    }
}
// </validation>
