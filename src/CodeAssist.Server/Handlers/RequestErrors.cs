using CodeAssist.Engine;
using CodeAssist.Server.Protocol;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers;

/// <summary>Turns the engine's <see cref="BadRequestException"/> into InvalidParams; every other exception stays a fault (InternalError).</summary>
internal static class RequestErrors
{
    public static LocalRpcException InvalidParams(string message) => new(message) { ErrorCode = LspErrorCodes.InvalidParams };

    /// <summary>What the client is told when a handler fails in a way no client caused (InternalError): a bug in the server.</summary>
    public static string InternalErrorMessage(string method, Exception exception) =>
        $"{method} failed inside the server ({exception.GetType().Name}: {exception.Message}); this is a bug, please report it with the server log";

    public static async Task<T> MapAsync<T>(Func<Task<T>> handle)
    {
        try
        {
            return await handle().ConfigureAwait(false);
        }
        catch (BadRequestException e)
        {
            throw InvalidParams(e.Message);
        }
    }

    public static T Map<T>(Func<T> handle)
    {
        try
        {
            return handle();
        }
        catch (BadRequestException e)
        {
            throw InvalidParams(e.Message);
        }
    }

    public static void Map(Action handle)
    {
        try
        {
            handle();
        }
        catch (BadRequestException e)
        {
            throw InvalidParams(e.Message);
        }
    }
}
