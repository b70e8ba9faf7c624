namespace AigneHub.Domain.Chat;

public enum ChatRole
{
    System,
    Developer,
    User,
    Assistant,
    Tool,
}
