using System.Text;
using AigneHub.Domain.Chat;

namespace AigneHub.Application.Caching;

/// <summary>Puts a streamed answer back together as one completion, to be stored like a unary one.</summary>
internal sealed class ChatAnswerAssembly
{
    private readonly SortedDictionary<int, ChoiceParts> _choices = [];
    private ChatCompletionUpdate? _first;
    private string? _fingerprint;
    private TokenUsage? _usage;

    public void Add(ChatCompletionUpdate update)
    {
        if (update.IsReceipt)
        {
            return;
        }

        _first ??= update;
        _fingerprint = update.SystemFingerprint ?? _fingerprint;
        _usage = update.Usage ?? _usage;
        if (update.ContentDelta is null && update.ToolCallDeltas is null && update.FinishReason is null && update.Role is null)
        {
            return;
        }

        if (!_choices.TryGetValue(update.ChoiceIndex, out var choice))
        {
            choice = new ChoiceParts();
            _choices[update.ChoiceIndex] = choice;
        }

        if (update.ContentDelta is { } delta)
        {
            (choice.Content ??= new StringBuilder()).Append(delta);
        }

        foreach (var call in update.ToolCallDeltas ?? [])
        {
            if (!choice.ToolCalls.TryGetValue(call.Index, out var parts))
            {
                parts = new ToolCallParts();
                choice.ToolCalls[call.Index] = parts;
            }

            parts.Id ??= call.Id;
            parts.Name ??= call.Name;
            parts.Arguments.Append(call.ArgumentsDelta);
        }

        choice.FinishReason = update.FinishReason ?? choice.FinishReason;
    }

    /// <summary>The whole answer; null when the stream did not finish every choice or reported no usage.</summary>
    public ChatCompletion? Build()
    {
        if (_first is null || _usage is null || _choices.Count == 0 || _choices.Keys.Last() != _choices.Count - 1
            || _choices.Values.Any(c => c.FinishReason is null))
        {
            return null;
        }

        var choices = _choices.Select(c => new ChatChoice(c.Key, c.Value.Content?.ToString(), c.Value.FinishReason!, c.Value.Calls())).ToList();
        return new ChatCompletion(_first.Id, _first.Created, _first.Model, choices[0].Content, choices[0].FinishReason, _usage.Value, _fingerprint, choices[0].ToolCalls)
        {
            OtherChoices = choices.Count > 1 ? choices.Skip(1).ToList() : null,
        };
    }

    private sealed class ChoiceParts
    {
        public StringBuilder? Content { get; set; }

        public SortedDictionary<int, ToolCallParts> ToolCalls { get; } = [];

        public string? FinishReason { get; set; }

        public IReadOnlyList<ToolCall>? Calls() =>
            ToolCalls.Count == 0 ? null : ToolCalls.Values.Select(p => new ToolCall(p.Id ?? string.Empty, p.Name ?? string.Empty, p.Arguments.ToString())).ToList();
    }

    private sealed class ToolCallParts
    {
        public string? Id { get; set; }

        public string? Name { get; set; }

        public StringBuilder Arguments { get; } = new();
    }
}
