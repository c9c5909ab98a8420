namespace CodeAssist.Engine;

/// <summary>
/// The engine cannot serve a request because of what it asked (a document that is not open, a position outside it, a
/// range that ends before it starts): the caller's error, which the server answers InvalidParams and the command line
/// prints. Anything else the engine throws (from Roslyn, from GenAI) is a fault of ours, never blamed on the client.
/// </summary>
public sealed class BadRequestException(string message) : Exception(message);
