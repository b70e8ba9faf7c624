namespace AigneHub.Domain.Usage;

public enum CallType
{
    Chat,
    Embedding,
    Image,
}
