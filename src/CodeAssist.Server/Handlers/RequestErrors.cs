using CodeAssist.Engine;
using CodeAssist.Server.Protocol;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers;

/// <summary>Turns the engine's <see cref="BadRequestException"/> into InvalidParams; every other exception stays a fault (InternalError).</summary>
internal static class RequestErrors
{
    public static LocalRpcException InvalidParams(string message) => new(message) { ErrorCode = LspErrorCodes.InvalidParams };

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
