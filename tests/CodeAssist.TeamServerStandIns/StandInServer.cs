using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CodeAssist.TeamServerStandIns;

/// <summary>A request as the stand-in received it: what the tests assert our clients send.</summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body, string? ClientCertificateSubject)
{
    /// <summary>Raised when the client closed the connection before the reply ended (a cancelled request).</summary>
    public Task Aborted => AbortedSource.Task;

    internal TaskCompletionSource AbortedSource { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Who may connect over TLS: the server's certificate, and the CA a client certificate must chain to (mTLS).</summary>
public sealed record StandInTls(X509Certificate2 ServerCertificate, X509Certificate2? RequiredClientCa = null);

/// <summary>
/// An HTTP server on 127.0.0.1 (a free port) that answers scripted replies per route and records every request.
/// Kestrel, so chunked streaming, connection aborts and TLS behave as they do in front of a real engine.
/// </summary>
public sealed class StandInServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<HttpContext, RecordedRequest, Task>> _routes = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private StandInServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>Completes with each request as it arrives, for tests that wait on the server instead of a clock.</summary>
    public event Action<RecordedRequest>? Received;

    /// <summary>Starts on a free port, or on <paramref name="port"/>: a server that comes back where it was after going down.</summary>
    public static async Task<StandInServer> StartAsync(StandInTls? tls = null, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, port, listen =>
            {
                if (tls is null)
                    return;
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = tls.ServerCertificate;
                    if (tls.RequiredClientCa is { } ca)
                    {
                        https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                        https.ClientCertificateValidation = (certificate, _, _) => TestCertificates.ChainsTo(certificate, ca);
                    }
                });
            });
        });
        var app = builder.Build();
        StandInServer? server = null;
        app.Run(context => server!.HandleAsync(context));
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new StandInServer(app, new Uri(address.Replace("127.0.0.1", tls is null ? "127.0.0.1" : "localhost", StringComparison.Ordinal)));
        return server;
    }

    /// <summary>Scripts the reply of one route ("POST /infill"); the handler writes the response.</summary>
    public StandInServer On(string route, Func<HttpContext, RecordedRequest, Task> reply)
    {
        _routes[route] = reply;
        return this;
    }

    public StandInServer On(string route, Func<HttpContext, Task> reply) => On(route, (context, _) => reply(context));

    /// <summary>Waits for the <paramref name="count"/>th request (1-based) to arrive.</summary>
    public Task<RecordedRequest> RequestAsync(int count)
    {
        var arrived = new TaskCompletionSource<RecordedRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check(RecordedRequest _)
        {
            var all = Requests;
            if (all.Count >= count)
                arrived.TrySetResult(all[count - 1]);
        }
        Received += Check;
        Check(null!);
        return arrived.Task.ContinueWith(t =>
        {
            Received -= Check;
            return t.Result;
        }, TaskScheduler.Default);
    }

    private async Task HandleAsync(HttpContext context)
    {
        string body;
        using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
            body = await reader.ReadToEndAsync().ConfigureAwait(false);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var recorded = new RecordedRequest(
            context.Request.Method, context.Request.Path.Value ?? "/", headers, body, context.Connection.ClientCertificate?.Subject);
        context.RequestAborted.Register(() => recorded.AbortedSource.TrySetResult());
        _requests.Enqueue(recorded);
        Received?.Invoke(recorded);
        if (_routes.TryGetValue($"{context.Request.Method} {context.Request.Path.Value}", out var reply))
        {
            try
            {
                await reply(context, recorded).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away mid-reply: what a cancelled completion does.
            }
            return;
        }
        context.Response.StatusCode = 404;
        await context.Response.WriteAsync("{\"error\":\"no such route in this stand-in\"}").ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
