using Google.Protobuf.WellKnownTypes;
using V1 = AigneHub.Api.Grpc.V1;

namespace AigneHub.Api.Grpc;

/// <summary>A chat result or streamed update as the contract's response or chunk.</summary>
internal static partial class ChatCompletionMapping
{
    public static V1.CreateChatCompletionResponse ToResponse(ChatCompletion completion)
    {
        var response = new V1.CreateChatCompletionResponse
        {
            Id = completion.Id,
            Object = "chat.completion",
            Created = completion.Created.ToUnixTimeSeconds(),
            Model = completion.Model,
            Usage = ToUsage(completion.Usage),
        };

        foreach (var choice in completion.Choices)
        {
            var message = new V1.AssistantMessage { Role = "assistant" };
            if (choice.Content is not null)
            {
                message.Content = choice.Content;
            }

            if (choice.ToolCalls is { } calls)
            {
                foreach (var call in calls)
                {
                    message.ToolCalls.Add(ToWire(call));
                }
            }

            response.Choices.Add(new V1.ChatCompletionChoice
            {
                Index = choice.Index, Message = message, FinishReason = choice.FinishReason, Logprobs = ToLogprobs(choice.LogprobsJson),
            });
        }

        if (completion.SystemFingerprint is not null)
        {
            response.SystemFingerprint = completion.SystemFingerprint;
        }

        return response;
    }

    public static V1.ChatCompletionChunk ToChunk(ChatCompletionUpdate update)
    {
        var chunk = new V1.ChatCompletionChunk
        {
            Id = update.Id,
            Object = "chat.completion.chunk",
            Created = update.Created.ToUnixTimeSeconds(),
            Model = update.Model,
        };

        if (update.SystemFingerprint is not null)
        {
            chunk.SystemFingerprint = update.SystemFingerprint;
        }

        if (update.Usage is { } usage)
        {
            chunk.Usage = ToUsage(usage);
            return chunk;
        }

        var delta = new V1.ChunkDelta();
        if (update.Role is not null)
        {
            delta.Role = update.Role;
        }

        if (update.ContentDelta is not null)
        {
            delta.Content = update.ContentDelta;
        }

        if (update.ToolCallDeltas is { } calls)
        {
            foreach (var call in calls)
            {
                delta.ToolCalls.Add(ToWire(call));
            }
        }

        var choice = new V1.ChatCompletionChunkChoice { Index = update.ChoiceIndex, Delta = delta, Logprobs = ToLogprobs(update.LogprobsJson) };
        if (update.FinishReason is not null)
        {
            choice.FinishReason = update.FinishReason;
        }

        chunk.Choices.Add(choice);
        return chunk;
    }

    private static Value ToLogprobs(string? json) => json is null ? Value.ForNull() : Value.Parser.ParseJson(json);

    private static V1.CompletionUsage ToUsage(Domain.Usage.TokenUsage usage) => new()
    {
        PromptTokens = usage.PromptTokens,
        CompletionTokens = usage.CompletionTokens,
        TotalTokens = usage.TotalTokens,
        PromptTokensDetails = new V1.PromptTokensDetails { CachedTokens = usage.CachedPromptTokens },
    };

    private static V1.ToolCall ToWire(ToolCall call) => new()
    {
        Id = call.Id,
        Type = "function",
        Function = new V1.FunctionCall { Name = call.Name, Arguments = call.Arguments },
    };

    private static V1.ToolCallChunk ToWire(ToolCallDelta delta)
    {
        var chunk = new V1.ToolCallChunk { Index = delta.Index, Function = new V1.FunctionCallChunk() };
        if (delta.Id is not null)
        {
            chunk.Id = delta.Id;
            chunk.Type = "function";
        }

        if (delta.Name is not null)
        {
            chunk.Function.Name = delta.Name;
        }

        if (delta.ArgumentsDelta is not null)
        {
            chunk.Function.Arguments = delta.ArgumentsDelta;
        }

        return chunk;
    }
}
