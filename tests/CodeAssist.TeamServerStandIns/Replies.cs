using System.Text;
using Microsoft.AspNetCore.Http;

namespace CodeAssist.TeamServerStandIns;

/// <summary>How the stand-ins answer: JSON, server-sent events, newline-delimited JSON, errors, stalls and cut streams.</summary>
public static class Replies
{
    public static Func<HttpContext, Task> Json(string body, int status = 200) => async context =>
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    };

    /// <summary>An error status with the engine's error body and, for 429/503, a Retry-After in seconds.</summary>
    public static Func<HttpContext, Task> Error(int status, string body, int? retryAfterSeconds = null) => async context =>
    {
        if (retryAfterSeconds is { } seconds)
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Json(body, status)(context).ConfigureAwait(false);
    };

    /// <summary>
    /// Server-sent events as the engines write them: <c>data: {json}</c> and a blank line per event, flushed one by
    /// one, then <c>data: [DONE]</c> when <paramref name="done"/>. With <paramref name="cutShort"/> the connection is
    /// dropped after the events, as when a server dies mid-reply.
    /// </summary>
    public static Func<HttpContext, Task> Sse(
        IEnumerable<string> events, bool done = true, bool cutShort = false, Func<int, Task>? beforeEvent = null) => async context =>
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream";
        await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        var i = 0;
        foreach (var data in events)
        {
            if (beforeEvent is not null)
                await beforeEvent(i).WaitAsync(context.RequestAborted).ConfigureAwait(false);
            i++;
            await context.Response.WriteAsync($"data: {data}\n\n", context.RequestAborted).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
        if (cutShort)
        {
            context.Abort();
            return;
        }
        if (done)
            await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted).ConfigureAwait(false);
    };

    /// <summary>Ollama's streaming: one JSON object per line.</summary>
    public static Func<HttpContext, Task> Ndjson(IEnumerable<string> lines, bool cutShort = false, Func<int, Task>? beforeLine = null) => async context =>
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/x-ndjson";
        await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        var i = 0;
        foreach (var line in lines)
        {
            if (beforeLine is not null)
                await beforeLine(i).WaitAsync(context.RequestAborted).ConfigureAwait(false);
            i++;
            await context.Response.WriteAsync(line + "\n", context.RequestAborted).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
        if (cutShort)
            context.Abort();
    };

    /// <summary>Headers, then nothing until the client gives up: a server that stalls.</summary>
    public static Func<HttpContext, Task> Stall(string contentType = "text/event-stream") => async context =>
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = contentType;
        await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        await Task.Delay(Timeout.Infinite, context.RequestAborted).ConfigureAwait(false);
    };

    /// <summary>A raw body (malformed JSON in a stream, an HTML proxy page).</summary>
    public static Func<HttpContext, Task> Raw(string body, string contentType, int status = 200) => async context =>
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(body, Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
    };
}
