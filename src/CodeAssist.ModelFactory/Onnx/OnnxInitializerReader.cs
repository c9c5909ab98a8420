using System.Buffers.Binary;
using System.Globalization;

namespace CodeAssist.ModelFactory.Onnx;

/// <summary>
/// Reads the float32 initializers of an ONNX model, inline (raw_data, as <see cref="OnnxModelSerializer"/> writes a
/// plain decoder) or in an external data file beside it (as the model builder and a builder-shaped folder keep them):
/// just enough of onnx.proto's wire format (ModelProto.graph, GraphProto.initializer, TensorProto's data_type, name,
/// raw_data, external_data and data_location) to take a trained model's weights into another graph shape.
/// </summary>
internal static class OnnxInitializerReader
{
    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;
    private const long ElementTypeFloat = 1;

    /// <summary>Every float32 initializer by name with its elements; other element types are skipped.</summary>
    public static Dictionary<string, float[]> ReadFloats(string modelPath)
    {
        var model = File.ReadAllBytes(modelPath);
        var folder = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (field, graph) in Messages(model))
        {
            if (field != OnnxFields.ModelGraph)
            {
                continue;
            }
            foreach (var (graphField, tensor) in Messages(graph))
            {
                if (graphField == OnnxFields.GraphInitializer && ReadTensor(tensor, folder) is { } read)
                {
                    tensors[read.Name] = read.Values;
                }
            }
        }
        return tensors;
    }

    private static (string Name, float[] Values)? ReadTensor(ReadOnlyMemory<byte> tensor, string folder)
    {
        string? name = null;
        long elementType = 0;
        ReadOnlyMemory<byte> raw = default;
        var external = new Dictionary<string, string>(StringComparer.Ordinal);
        var isExternal = false;
        var reader = new Reader(tensor);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (OnnxFields.TensorDataType, WireVarint):
                    elementType = (long)reader.ReadVarint();
                    break;
                case (OnnxFields.TensorName, WireLengthDelimited):
                    name = System.Text.Encoding.UTF8.GetString(reader.ReadBytes().Span);
                    break;
                case (OnnxFields.TensorRawData, WireLengthDelimited):
                    raw = reader.ReadBytes();
                    break;
                case (OnnxFields.TensorExternalData, WireLengthDelimited):
                    var (key, value) = ReadStringEntry(reader.ReadBytes());
                    external[key] = value;
                    break;
                case (OnnxFields.TensorDataLocation, WireVarint):
                    isExternal = (long)reader.ReadVarint() == OnnxFields.TensorDataLocationExternal;
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
        if (name is null || elementType != ElementTypeFloat)
        {
            return null;
        }
        if (isExternal)
        {
            raw = ReadExternal(name, external, folder);
        }
        var values = new float[raw.Length / sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Span[(i * sizeof(float))..]);
        }
        return (name, values);
    }

    /// <summary>A StringStringEntryProto: key (field 1) and value (field 2).</summary>
    private static (string Key, string Value) ReadStringEntry(ReadOnlyMemory<byte> entry)
    {
        var (key, value) = ("", "");
        foreach (var (field, body) in Messages(entry))
        {
            var text = System.Text.Encoding.UTF8.GetString(body.Span);
            (key, value) = field == 1 ? (text, value) : field == 2 ? (key, text) : (key, value);
        }
        return (key, value);
    }

    /// <summary>An external tensor's bytes: "location" relative to the model's folder, "offset" and "length" in bytes.</summary>
    private static byte[] ReadExternal(string name, Dictionary<string, string> external, string folder)
    {
        if (!external.TryGetValue("location", out var location) || !external.TryGetValue("length", out var lengthText))
        {
            throw new InvalidDataException($"Initializer '{name}' is external but names no location and length.");
        }
        var path = Path.GetFullPath(Path.Combine(folder, location));
        if (!path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Initializer '{name}' points outside the model's folder ({location}).");
        }
        var offset = external.TryGetValue("offset", out var offsetText) ? long.Parse(offsetText, CultureInfo.InvariantCulture) : 0;
        var bytes = new byte[int.Parse(lengthText, CultureInfo.InvariantCulture)];
        using var data = File.OpenRead(path);
        data.Seek(offset, SeekOrigin.Begin);
        data.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The length-delimited fields of a message, with their field numbers.</summary>
    private static IEnumerable<(int Field, ReadOnlyMemory<byte> Body)> Messages(ReadOnlyMemory<byte> message)
    {
        var reader = new Reader(message);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (wire == WireLengthDelimited)
            {
                yield return (field, reader.ReadBytes());
            }
            else
            {
                reader.Skip(wire);
            }
        }
    }

    private sealed class Reader(ReadOnlyMemory<byte> buffer)
    {
        private int _position;

        public bool TryReadTag(out int field, out int wire)
        {
            if (_position >= buffer.Length)
            {
                (field, wire) = (0, 0);
                return false;
            }
            var tag = ReadVarint();
            (field, wire) = ((int)(tag >> 3), (int)(tag & 7));
            return true;
        }

        public ulong ReadVarint()
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                if (_position >= buffer.Length || shift > 63)
                {
                    throw new InvalidDataException("The ONNX file ends inside a number: it is truncated or not an ONNX model.");
                }
                var b = buffer.Span[_position++];
                value |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }
        }

        public ReadOnlyMemory<byte> ReadBytes()
        {
            var length = (int)ReadVarint();
            if (length < 0 || _position + length > buffer.Length)
            {
                throw new InvalidDataException("The ONNX file ends inside a field: it is truncated or not an ONNX model.");
            }
            var bytes = buffer.Slice(_position, length);
            _position += length;
            return bytes;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case WireVarint:
                    ReadVarint();
                    break;
                case WireFixed64:
                    _position += 8;
                    break;
                case WireLengthDelimited:
                    ReadBytes();
                    break;
                case WireFixed32:
                    _position += 4;
                    break;
                default:
                    throw new InvalidDataException($"Unknown protobuf wire type {wire}: this is not an ONNX model.");
            }
        }
    }
}
