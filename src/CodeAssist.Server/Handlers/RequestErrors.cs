using CodeAssist.Server.Protocol;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers;

/// <summary>Turns the engine's argument errors into JSON-RPC errors a client can act on.</summary>
internal static class RequestErrors
{
    public static LocalRpcException InvalidParams(string message) => new(message) { ErrorCode = LspErrorCodes.InvalidParams };

    public static async Task<T> MapAsync<T>(Func<Task<T>> handle)
    {
        try
        {
            return await handle().ConfigureAwait(false);
        }
        catch (ArgumentException e)
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
        catch (ArgumentException e)
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
        catch (ArgumentException e)
        {
            throw InvalidParams(e.Message);
        }
    }
}
