using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace CodeAssist.Inference.Remote;

/// <summary>
/// The HTTP client of one team server, built so that it can only ever talk to that server: every connection goes
/// through <see cref="ConnectAsync"/>, which refuses any host or port but the configured one (no proxy from the
/// environment, no redirects), and certificates are verified — against the system's roots, or against the CA bundle
/// the organisation configured. Closing a response stream closes its connection, which is how a newer keystroke stops
/// the server's generation.
/// </summary>
public sealed class TeamServerConnection : IDisposable
{
    private readonly TeamServerSettings _settings;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;
    private readonly X509Certificate2Collection? _roots;
    private readonly HttpClient _client;
    private readonly string? _apiKey;
    private string? _certificateProblem;

    /// <param name="resolve">Name resolution; tests inject it so that DNS failures are reproduced without a resolver.</param>
    public TeamServerConnection(TeamServerSettings settings, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    {
        _settings = settings;
        _resolve = resolve ?? ((host, token) => Dns.GetHostAddressesAsync(host, token));
        _apiKey = ApiKeySource.Read(settings);
        _roots = settings.CaBundle is { } bundle ? LoadBundle(bundle) : null;
        var handler = new SocketsHttpHandler
        {
            // An HTTPS_PROXY in the environment must not route code to another host.
            UseProxy = false,
            AllowAutoRedirect = false,
            // A disposed response closes its connection instead of reading the rest: that stops the server's generation.
            MaxResponseDrainSize = 0,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            ConnectCallback = ConnectAsync,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = ValidateCertificate,
                ClientCertificates = settings.ClientCertificate is { } certificate ? [LoadClientCertificate(certificate, settings.ClientKey)] : null,
            },
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public TeamServerSettings Settings => _settings;

    /// <summary>The key, for scrubbing server text; never logged.</summary>
    internal string? Secret => _apiKey;

    /// <summary>Why the last certificate check failed, in a sentence naming the certificate; null when none failed.</summary>
    public string? CertificateProblem => Volatile.Read(ref _certificateProblem);

    public Uri Resolve(string path) => new(_settings.Url, path.TrimStart('/'));

    public HttpRequestMessage Request(HttpMethod method, string path, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, Resolve(path)) { Content = content, Version = HttpVersion.Version11 };
        if (_apiKey is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _certificateProblem, null);
        return _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>The only way a socket is opened: to the configured host and port, nothing else.</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var target = context.DnsEndPoint;
        if (!string.Equals(target.Host, _settings.Url.IdnHost, StringComparison.OrdinalIgnoreCase) || target.Port != _settings.Url.Port)
            throw new HttpRequestException($"CodeAssist contacts only {_settings.Endpoint}; a connection to {target.Host}:{target.Port} was refused");
        var addresses = IPAddress.TryParse(target.Host, out var literal) ? [literal] : await _resolve(target.Host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
            throw new SocketException((int)SocketError.HostNotFound);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, target.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    private bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
            return Fail("the server sent no certificate");
        var presented = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
        var name = $"{presented.Subject} (issued by {presented.Issuer})";
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            return Fail($"the server's certificate {name} is not valid for the host name {_settings.Url.Host}; use the name the certificate was issued for in backend.url");
        if (_roots is null)
        {
            if (errors == SslPolicyErrors.None)
                return true;
            var status = chain is null ? "" : string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
            return Fail($"the server's certificate {name} is not trusted ({(status.Length > 0 ? status : errors.ToString())}); if your organisation signs its own certificates, set backend.caBundle to its CA bundle (PEM)");
        }
        // Only the organisation's roots count: a certificate from a public CA is not what this server was configured with.
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_roots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements.Skip(1))
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        if (custom.Build(presented))
            return true;
        var problems = string.Join(", ", custom.ChainStatus.Select(s => s.Status.ToString()).Distinct());
        return Fail($"the server's certificate {name} does not chain to a CA in {_settings.CaBundle} ({problems}); check backend.caBundle");
    }

    private bool Fail(string problem)
    {
        Volatile.Write(ref _certificateProblem, problem);
        return false;
    }

    private static X509Certificate2Collection LoadBundle(string path)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new ArgumentException($"the CA bundle {path} cannot be read as PEM certificates ({e.Message}); check backend.caBundle");
        }
        if (roots.Count == 0)
            throw new ArgumentException($"the CA bundle {path} holds no PEM certificate; check backend.caBundle");
        return roots;
    }

    private static X509Certificate2 LoadClientCertificate(string certificate, string? key)
    {
        try
        {
            if (key is not null)
            {
                using var pem = X509Certificate2.CreateFromPemFile(certificate, key);
                // An ephemeral PEM key cannot be used by every TLS stack; a PKCS#12 round trip makes it a real one.
                return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }
            return X509CertificateLoader.LoadPkcs12FromFile(certificate, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new ArgumentException($"the client certificate {certificate} cannot be loaded ({e.Message}); give a PEM certificate with backend.clientKey, or a PKCS#12 file without a password");
        }
    }

    public void Dispose() => _client.Dispose();
}
