using System.Text;

namespace CodeAssist.Inference.Models;

/// <summary>
/// What a decoder's model.onnx is made of, read from its protobuf without ONNX Runtime: the operator sets it imports,
/// how many nodes of each operator (GroupQueryAttention, MatMulNBits, ...), the 4-bit quantization, the key/value
/// cache's element type and layout, and the external data files its initializers live in. `codeassist model verify`
/// and `doctor` report it; <see cref="ModelFolder"/> uses it to name a missing model.onnx.data or a model built for
/// a GPU before ONNX Runtime fails on them with a less helpful message.
/// </summary>
public sealed record OnnxGraphSummary(
    long IrVersion,
    IReadOnlyDictionary<string, long> OperatorSets,
    IReadOnlyDictionary<string, int> Operators,
    OnnxQuantization? Quantization,
    OnnxKvCache? KvCache,
    IReadOnlyDictionary<string, long> ExternalDataBytes,
    string? WeightType)
{
    /// <summary>GroupQueryAttention reads and writes past and present in one buffer, so GenAI must share it.</summary>
    public bool UsesGroupQueryAttention => Operators.ContainsKey("com.microsoft.GroupQueryAttention");

    /// <summary>A one-line description: "int4 MatMulNBits (block 32, accuracy 4) x 9, GroupQueryAttention x 2, ...".</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (Quantization is { } q)
            parts.Add($"{q.Bits}-bit MatMulNBits (block {q.BlockSize}, accuracy level {q.AccuracyLevel}) x{q.Count}");
        else if (WeightType is { } type)
            parts.Add($"{type} weights");
        if (KvCache is { } kv)
        {
            var layout = UsesGroupQueryAttention ? ", shared buffer (GroupQueryAttention)" : ", grown by Concat";
            parts.Add($"KV cache {kv.ElementType} [batch, {kv.Heads} heads, sequence, {kv.HeadSize}] x{kv.Layers} layers{layout}");
        }
        var operators = Operators.OrderByDescending(entry => entry.Value).ThenBy(entry => entry.Key, StringComparer.Ordinal)
            .Select(entry => $"{entry.Key.Replace("com.microsoft.", "", StringComparison.Ordinal)} x{entry.Value}");
        parts.Add("ops: " + string.Join(", ", operators));
        parts.Add("opsets: " + string.Join(", ", OperatorSets
            .OrderBy(entry => entry.Key, StringComparer.Ordinal)
            .Select(entry => $"{(entry.Key.Length == 0 ? "ai.onnx" : entry.Key)} {entry.Value}")));
        if (ExternalDataBytes.Count > 0)
            parts.Add("external data: " + string.Join(", ", ExternalDataBytes.Select(entry => $"{entry.Key} ({entry.Value / 1e6:F1} MB)")));
        return string.Join("; ", parts);
    }

    /// <summary>Reads the summary; null when the file is not a protobuf this reader can walk (ONNX Runtime will say why).</summary>
    public static OnnxGraphSummary? Read(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
            return new Reader(stream).ReadModel();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            return null;
        }
    }

    /// <summary>Walks ModelProto → GraphProto → NodeProto / TensorProto / ValueInfoProto, skipping tensor bytes by seeking.</summary>
    private sealed class Reader(Stream stream)
    {
        private readonly Dictionary<string, long> _opsets = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _operators = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _external = new(StringComparer.Ordinal);
        private readonly Dictionary<long, int> _weightTypes = [];
        private (int Bits, int Block, int Accuracy, int Count)? _quantization;
        private (int ElementType, long Heads, long HeadSize, int Layers)? _cache;

        public OnnxGraphSummary ReadModel()
        {
            long irVersion = 0;
            ReadMessage(stream.Length, (field, wire) =>
            {
                switch (field)
                {
                    case 1 when wire == 0:
                        irVersion = (long)ReadVarint();
                        return true;
                    case 7 when wire == 2:
                        ReadNested(ReadGraphField);
                        return true;
                    case 8 when wire == 2:
                        var (domain, version) = ("", 0L);
                        ReadNested(end => ReadMessage(end, (f, w) =>
                        {
                            if (f == 1 && w == 2) { domain = ReadString(); return true; }
                            if (f == 2 && w == 0) { version = (long)ReadVarint(); return true; }
                            return false;
                        }));
                        _opsets[domain] = version;
                        return true;
                    default:
                        return false;
                }
            });
            var weightType = _weightTypes.Count == 0 ? null : ElementTypeName(_weightTypes.MaxBy(entry => entry.Value).Key);
            return new OnnxGraphSummary(irVersion, _opsets, _operators,
                _quantization is { } q ? new OnnxQuantization(q.Bits, q.Block, q.Accuracy, q.Count) : null,
                _cache is { } c ? new OnnxKvCache(ElementTypeName(c.ElementType), c.Heads, c.HeadSize, c.Layers) : null,
                _external, weightType);
        }

        private void ReadGraphField(long end) => ReadMessage(end, (field, wire) =>
        {
            if (wire != 2)
                return false;
            switch (field)
            {
                case 1:
                    ReadNested(ReadNode);
                    return true;
                case 5:
                    ReadNested(ReadInitializer);
                    return true;
                case 11:
                    ReadNested(ReadInput);
                    return true;
                default:
                    return false;
            }
        });

        private void ReadNode(long end)
        {
            var (operatorType, domain) = ("", "");
            var attributes = new Dictionary<string, long>(StringComparer.Ordinal);
            ReadMessage(end, (field, wire) =>
            {
                if (field == 4 && wire == 2) { operatorType = ReadString(); return true; }
                if (field == 7 && wire == 2) { domain = ReadString(); return true; }
                if (field == 5 && wire == 2)
                {
                    var (name, value) = ("", 0L);
                    ReadNested(attributeEnd => ReadMessage(attributeEnd, (f, w) =>
                    {
                        if (f == 1 && w == 2) { name = ReadString(); return true; }
                        if (f == 3 && w == 0) { value = (long)ReadVarint(); return true; }
                        return false;
                    }));
                    attributes[name] = value;
                    return true;
                }
                return false;
            });
            var key = domain.Length == 0 || domain == "ai.onnx" ? operatorType : $"{domain}.{operatorType}";
            _operators[key] = _operators.GetValueOrDefault(key) + 1;
            if (operatorType == "MatMulNBits")
            {
                var (bits, block, accuracy) = (
                    (int)attributes.GetValueOrDefault("bits", 4),
                    (int)attributes.GetValueOrDefault("block_size"),
                    (int)attributes.GetValueOrDefault("accuracy_level"));
                _quantization = _quantization is { } known ? known with { Count = known.Count + 1 } : (bits, block, accuracy, 1);
            }
        }

        private void ReadInitializer(long end)
        {
            var dataType = 0L;
            long elements = 1;
            var (location, offset, length) = ("", 0L, 0L);
            ReadMessage(end, (field, wire) =>
            {
                if (field == 1 && wire == 0) { elements *= (long)ReadVarint(); return true; }
                if (field == 1 && wire == 2)
                {
                    ReadNested(packedEnd => { while (stream.Position < packedEnd) elements *= (long)ReadVarint(); });
                    return true;
                }
                if (field == 2 && wire == 0) { dataType = (long)ReadVarint(); return true; }
                if (field == 13 && wire == 2)
                {
                    var (entryKey, entryValue) = ("", "");
                    ReadNested(entryEnd => ReadMessage(entryEnd, (f, w) =>
                    {
                        if (f == 1 && w == 2) { entryKey = ReadString(); return true; }
                        if (f == 2 && w == 2) { entryValue = ReadString(); return true; }
                        return false;
                    }));
                    switch (entryKey)
                    {
                        case "location": location = entryValue; break;
                        case "offset": _ = long.TryParse(entryValue, out offset); break;
                        case "length": _ = long.TryParse(entryValue, out length); break;
                    }
                    return true;
                }
                return false;
            });
            if (location.Length > 0)
                _external[location] = Math.Max(_external.GetValueOrDefault(location), offset + length);
            // Float weights vote by size for the model's weight type; 4-bit blobs are uint8 and counted as quantization.
            if (dataType is 1 or 10 or 16)
                _weightTypes[dataType] = _weightTypes.GetValueOrDefault(dataType) + (int)Math.Min(int.MaxValue / 2, elements);
        }

        private void ReadInput(long end)
        {
            var name = "";
            var elementType = 0;
            var dimensions = new List<long>();
            ReadMessage(end, (field, wire) =>
            {
                if (field == 1 && wire == 2) { name = ReadString(); return true; }
                if (field == 2 && wire == 2)
                {
                    // TypeProto.tensor_type (1) → elem_type (1), shape (2) → dim (1) → dim_value (1)
                    ReadNested(typeEnd => ReadMessage(typeEnd, (f, w) =>
                    {
                        if (f != 1 || w != 2) return false;
                        ReadNested(tensorEnd => ReadMessage(tensorEnd, (tf, tw) =>
                        {
                            if (tf == 1 && tw == 0) { elementType = (int)ReadVarint(); return true; }
                            if (tf == 2 && tw == 2)
                            {
                                ReadNested(shapeEnd => ReadMessage(shapeEnd, (sf, sw) =>
                                {
                                    if (sf != 1 || sw != 2) return false;
                                    var size = -1L;
                                    ReadNested(dimEnd => ReadMessage(dimEnd, (df, dw) =>
                                    {
                                        if (df == 1 && dw == 0) { size = (long)ReadVarint(); return true; }
                                        return false;
                                    }));
                                    dimensions.Add(size);
                                    return true;
                                }));
                                return true;
                            }
                            return false;
                        }));
                        return true;
                    }));
                    return true;
                }
                return false;
            });
            if (name.StartsWith("past_key_values.", StringComparison.Ordinal) && name.EndsWith(".key", StringComparison.Ordinal) && dimensions.Count == 4)
                _cache = _cache is { } known ? known with { Layers = known.Layers + 1 } : (elementType, dimensions[1], dimensions[3], 1);
        }

        /// <summary>Reads fields until <paramref name="end"/>; <paramref name="onField"/> returns false for fields to skip.</summary>
        private void ReadMessage(long end, Func<int, int, bool> onField)
        {
            while (stream.Position < end)
            {
                var tag = ReadVarint();
                var (field, wire) = ((int)(tag >> 3), (int)(tag & 7));
                if (field == 0)
                    throw new InvalidDataException("field 0");
                if (!onField(field, wire))
                    Skip(wire);
            }
            if (stream.Position != end)
                throw new InvalidDataException("message overran its length");
        }

        private void ReadNested(Action<long> read)
        {
            var length = (long)ReadVarint();
            var end = stream.Position + length;
            if (length < 0 || end > stream.Length)
                throw new InvalidDataException("length past the end");
            read(end);
            stream.Position = end;
        }

        private void Skip(int wire)
        {
            switch (wire)
            {
                case 0: ReadVarint(); break;
                case 1: stream.Position += 8; break;
                case 2:
                    // The length first: "Position += ReadVarint()" would read Position before the varint moves it.
                    var length = (long)ReadVarint();
                    stream.Position += length;
                    break;
                case 5: stream.Position += 4; break;
                default: throw new InvalidDataException($"wire type {wire}");
            }
            if (stream.Position > stream.Length)
                throw new InvalidDataException("skip past the end");
        }

        private string ReadString()
        {
            var length = (int)ReadVarint();
            if (length < 0 || length > 1 << 20)
                throw new InvalidDataException("string too long");
            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            return Encoding.UTF8.GetString(bytes);
        }

        private ulong ReadVarint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = stream.ReadByte();
                if (b < 0)
                    throw new EndOfStreamException();
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                    return value;
            }
            throw new InvalidDataException("varint too long");
        }
    }

    private static string ElementTypeName(long type) => type switch
    {
        1 => "fp32",
        10 => "fp16",
        16 => "bf16",
        _ => $"type {type}",
    };
}

/// <summary>The MatMulNBits nodes' bits, block size and accuracy level (the first node's), and how many there are.</summary>
public sealed record OnnxQuantization(int Bits, int BlockSize, int AccuracyLevel, int Count);

/// <summary>The past key/value inputs: element type, key/value heads and head size per layer.</summary>
public sealed record OnnxKvCache(string ElementType, long Heads, long HeadSize, int Layers);
