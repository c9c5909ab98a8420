using System.Text.Json;
using CodeAssist.Server.Handlers;
using CodeAssist.Server.Protocol;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace CodeAssist.Server.Transport;

/// <summary>
/// StreamJsonRpc's dispatcher with LSP's error codes for failures that are not a handler's own
/// <see cref="LocalRpcException"/>: params that do not bind to the handler's types are InvalidParams (-32602), not
/// StreamJsonRpc's generic -32000, and anything else a handler throws is InternalError (-32603) and logged with its
/// stack, because it is a bug. Failed notifications have no answer, so their reason goes to the log instead.
/// </summary>
internal sealed class LanguageServerRpc(IJsonRpcMessageHandler handler, ServerLog log) : JsonRpc(handler)
{
    protected override JsonRpcError.ErrorDetail CreateErrorDetails(JsonRpcRequest request, Exception exception)
    {
        var detail = base.CreateErrorDetails(request, exception);
        var method = request.Method ?? "(no method)";
        switch (exception)
        {
            case LocalRpcException:
                break;
            case OperationCanceledException:
                return detail;
            case JsonException or RpcArgumentDeserializationException:
                detail.Code = (JsonRpcErrorCode)LspErrorCodes.InvalidParams;
                detail.Message = $"the params of {method} do not fit its parameter types: {exception.Message}";
                detail.Data = null;
                break;
            default:
                detail.Code = (JsonRpcErrorCode)LspErrorCodes.InternalError;
                detail.Message = RequestErrors.InternalErrorMessage(method, exception);
                log.Error($"{method} failed: {exception}");
                return detail;
        }
        if (!request.IsResponseExpected)
            log.Warn($"{method} was not applied: {detail.Message}");
        return detail;
    }
}
