using CodeAssist.Inference.Remote;
using CodeAssist.TeamServerStandIns;

namespace CodeAssist.Inference.Tests.Remote;

/// <summary>TLS verified by default, an in-house CA bundle, client certificates, keys from files, and one endpoint only.</summary>
public sealed class TeamServerSecurityTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly TestCertificates _certificates = TestCertificates.Create();

    private static void Infill(StandInServer server) => server.On("POST /infill", Replies.Sse(EngineFixtures.LlamaCppChunks(["ok"]), done: false));

    [Fact]
    public async Task An_untrusted_certificate_is_refused_and_the_message_names_it()
    {
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.LlamaCpp, tls: new StandInTls(_certificates.Server), routes: Infill);

        var fault = await Assert.ThrowsAsync<TeamServerException>(() => backend.Model.GenerateAsync(Fim.Request(), CancellationToken.None));

        Assert.Equal(TeamServerFault.Tls, fault.Fault);
        Assert.Contains("the server's certificate CN=localhost (issued by CN=CodeAssist Test CA) is not trusted", fault.Message, StringComparison.Ordinal);
        Assert.Contains("set backend.caBundle", fault.Message, StringComparison.Ordinal);
        Assert.Empty(backend.Server.Requests);
    }

    [Fact]
    public async Task The_organisations_ca_bundle_makes_its_certificate_trusted()
    {
        var (ca, _) = TestCertificates.WritePem(_certificates.Ca, _temp.Path, "ca");
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.LlamaCpp, s => s with { CaBundle = ca },
            tls: new StandInTls(_certificates.Server), routes: Infill);

        Assert.Equal("ok", (await backend.Model.GenerateAsync(Fim.Request(), CancellationToken.None)).Text);
    }

    [Fact]
    public async Task A_bundle_of_another_ca_does_not_trust_the_server()
    {
        var (other, _) = TestCertificates.WritePem(_certificates.OtherCa, _temp.Path, "other");
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.LlamaCpp, s => s with { CaBundle = other },
            tls: new StandInTls(_certificates.Server), routes: Infill);

        var fault = await Assert.ThrowsAsync<TeamServerException>(() => backend.Model.GenerateAsync(Fim.Request(), CancellationToken.None));

        Assert.Equal(TeamServerFault.Tls, fault.Fault);
        Assert.Contains($"CN=localhost (issued by CN=CodeAssist Test CA) does not chain to a CA in {other}", fault.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mutual_tls_needs_the_client_certificate_and_the_server_sees_who_asked()
    {
        var (ca, _) = TestCertificates.WritePem(_certificates.Ca, _temp.Path, "ca");
        var (certificate, key) = TestCertificates.WritePem(_certificates.Client, _temp.Path, "developer");
        var tls = new StandInTls(_certificates.Server, RequiredClientCa: _certificates.Ca);

        await using (var without = await StandInBackend.StartAsync(TeamServerKind.LlamaCpp, s => s with { CaBundle = ca }, tls: tls, routes: Infill))
        {
            var fault = await Assert.ThrowsAsync<TeamServerException>(() => without.Model.GenerateAsync(Fim.Request(), CancellationToken.None));
            Assert.True(fault.Fault is TeamServerFault.Tls or TeamServerFault.Unreachable or TeamServerFault.StreamCutShort, fault.Message);
            Assert.Empty(without.Server.Requests);
        }

        await using var with = await StandInBackend.StartAsync(TeamServerKind.LlamaCpp,
            s => s with { CaBundle = ca, ClientCertificate = certificate, ClientKey = key }, tls: tls, routes: Infill);
        Assert.Equal("ok", (await with.Model.GenerateAsync(Fim.Request(), CancellationToken.None)).Text);
        Assert.Equal("CN=developer-42", Assert.Single(with.Server.Requests).ClientCertificateSubject);
    }

    [Fact]
    public async Task The_key_file_is_read_and_sent_as_a_bearer_token()
    {
        var keyFile = _temp.Combine("team.key");
        File.WriteAllText(keyFile, "sk-from-file-1c9b\n");
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.LlamaCpp, s => s with { ApiKeyFile = keyFile }, routes: Infill);

        await backend.Model.GenerateAsync(Fim.Request(), CancellationToken.None);

        Assert.Equal("Bearer sk-from-file-1c9b", Assert.Single(backend.Server.Requests).Headers["Authorization"]);
    }

    [Fact]
    public void A_key_in_the_settings_is_refused_and_a_missing_variable_is_named()
    {
        var withKey = System.Text.Json.JsonDocument.Parse("""{"kind":"llamacpp","url":"http://gpu01:8080","apiKey":"sk-leaked"}""").RootElement;
        var refused = Assert.Throws<ArgumentException>(() => TeamServerSettings.Parse(withKey));
        Assert.Contains("backend.apiKey is refused", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-leaked", refused.Message, StringComparison.Ordinal);

        var unset = new TeamServerSettings(TeamServerKind.OpenAi, new Uri("http://gpu01:8000/")) { ApiKeyEnv = "CODEASSIST_SURELY_UNSET_VARIABLE" };
        var missing = Assert.Throws<ArgumentException>(() => ApiKeySource.Read(unset));
        Assert.Contains("CODEASSIST_SURELY_UNSET_VARIABLE", missing.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => TeamServerSettings.ParseUrl("https://user:secret@gpu01:8000"));
    }

    [Fact]
    public async Task Only_the_configured_host_and_port_are_contacted_even_when_the_server_redirects()
    {
        await using var elsewhere = await StandInServer.StartAsync();
        elsewhere.On("POST /infill", Replies.Sse(EngineFixtures.LlamaCppChunks(["stolen"]), done: false));
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.LlamaCpp, routes: server => server
            .On("POST /infill", context =>
            {
                context.Response.StatusCode = 307;
                context.Response.Headers.Location = new Uri(elsewhere.Url, "infill").ToString();
                return Task.CompletedTask;
            }));

        await Assert.ThrowsAsync<TeamServerException>(() => backend.Model.GenerateAsync(Fim.Request(), CancellationToken.None));

        Assert.Single(backend.Server.Requests);
        Assert.Empty(elsewhere.Requests);
    }

    [Fact]
    public void Settings_read_the_documented_shape_and_the_command_line_form()
    {
        var json = System.Text.Json.JsonDocument.Parse("""
            {"kind":"ollama","url":"https://ollama.corp:11434/","model":"qwen2.5-coder:7b-base","apiKeyEnv":"TEAM_KEY",
             "caBundle":"/etc/ssl/corp-ca.pem","fallback":"local","keepAlive":"1h"}
            """).RootElement;
        var settings = TeamServerSettings.Parse(json)!;
        Assert.Equal(TeamServerKind.Ollama, settings.Kind);
        Assert.Equal("https://ollama.corp:11434", settings.Endpoint);
        Assert.True(settings.FallbackToLocal);
        Assert.Equal("1h", settings.KeepAlive);
        Assert.Equal("ollama at https://ollama.corp:11434", settings.Describe());

        Assert.Null(TeamServerSettings.ParseOption("local"));
        Assert.Equal(TeamServerKind.LlamaCpp, TeamServerSettings.ParseOption("llamacpp=http://gpu01:8080")!.Kind);
        Assert.Equal("http://vllm:8000/", TeamServerSettings.ParseOption("http://vllm:8000/v1")!.Url.ToString());
        Assert.Equal(TeamServerKind.Ollama, TeamServerSettings.ParseOption("http://box:11434")!.Kind);
    }

    public void Dispose()
    {
        _certificates.Dispose();
        _temp.Dispose();
    }
}
