using System.Net;
using System.Net.Sockets;

namespace CodeAssist.TestSupport;

/// <summary>
/// A loopback port that refuses every connection for as long as this object lives: a team server that is down. The
/// port is bound and never listened on, so a connection gets a reset (ECONNREFUSED) and no other process can take the
/// port meanwhile. A port found free and let go (a listener started and stopped) is not that: in the parallel suite
/// another test's server can bind it before the connection is tried, and the "down" server then answers.
/// </summary>
public sealed class RefusingPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public RefusingPort()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    /// <summary>http://127.0.0.1:PORT/</summary>
    public Uri Url => new($"http://127.0.0.1:{Port}/");

    public void Dispose() => _socket.Dispose();
}
