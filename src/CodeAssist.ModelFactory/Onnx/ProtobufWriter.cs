using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace CodeAssist.ModelFactory.Onnx;

/// <summary>
/// Writes the protobuf wire format for the handful of field kinds ONNX models use. Nested messages are written
/// into their own writer first because their length prefix must precede them.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "Its MemoryStream holds no unmanaged resource: disposing it frees nothing.")]
internal sealed class ProtobufWriter
{
    private const int VarintWireType = 0;
    private const int LengthDelimitedWireType = 2;
    private const int Fixed32WireType = 5;

    private readonly MemoryStream _buffer = new();

    public long Length => _buffer.Length;

    public void WriteInt64(int field, long value)
    {
        WriteTag(field, VarintWireType);
        // Negative int64 values are sent as their 64-bit two's complement, which takes ten bytes.
        WriteVarint(unchecked((ulong)value));
    }

    public void WriteFloat(int field, float value)
    {
        WriteTag(field, Fixed32WireType);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _buffer.Write(bytes);
    }

    public void WriteString(int field, string value) => WriteBytes(field, Encoding.UTF8.GetBytes(value));

    public void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, LengthDelimitedWireType);
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
    }

    public void WriteMessage(int field, Action<ProtobufWriter> writeMessage)
    {
        var message = new ProtobufWriter();
        writeMessage(message);
        WriteTag(field, LengthDelimitedWireType);
        WriteVarint((ulong)message._buffer.Length);
        message._buffer.Position = 0;
        message._buffer.CopyTo(_buffer);
    }

    public void CopyTo(Stream destination)
    {
        _buffer.Position = 0;
        _buffer.CopyTo(destination);
    }

    private void WriteTag(int field, int wireType) => WriteVarint((ulong)((field << 3) | wireType));

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _buffer.WriteByte((byte)value);
    }
}
