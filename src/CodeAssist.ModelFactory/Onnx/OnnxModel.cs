using System.Buffers.Binary;

namespace CodeAssist.ModelFactory.Onnx;

/// <summary>The ONNX tensor element types our graphs use, with their TensorProto.DataType numbers.</summary>
internal enum OnnxElementType
{
    Float = 1,
    UInt8 = 2,
    Int32 = 6,
    Int64 = 7,
    Bool = 9,
    Float16 = 10,
}

/// <summary>A tensor dimension: either a fixed size or a symbolic name such as "batch_size".</summary>
internal readonly record struct OnnxDimension(long Size, string? Symbol)
{
    public static implicit operator OnnxDimension(long size) => new(size, null);

    public static implicit operator OnnxDimension(string symbol) => new(0, symbol);
}

/// <summary>A graph input or output: a name, an element type and a shape.</summary>
internal sealed record OnnxValueInfo(string Name, OnnxElementType ElementType, OnnxDimension[] Shape);

/// <summary>A constant tensor stored in the model, its elements as little-endian raw bytes.</summary>
internal sealed record OnnxTensor(string Name, OnnxElementType ElementType, long[] Dimensions, byte[] RawData)
{
    public static OnnxTensor FromFloats(string name, long[] dimensions, ReadOnlySpan<float> values)
    {
        var raw = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * sizeof(float)), values[i]);
        }
        return new OnnxTensor(name, OnnxElementType.Float, dimensions, raw);
    }

    public static OnnxTensor FromHalves(string name, long[] dimensions, ReadOnlySpan<float> values)
    {
        var raw = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteHalfLittleEndian(raw.AsSpan(i * 2), (Half)values[i]);
        }
        return new OnnxTensor(name, OnnxElementType.Float16, dimensions, raw);
    }

    public static OnnxTensor FromBytes(string name, long[] dimensions, byte[] values) =>
        new(name, OnnxElementType.UInt8, dimensions, values);

    public static OnnxTensor FromInt64s(string name, long[] dimensions, ReadOnlySpan<long> values)
    {
        var raw = new byte[values.Length * sizeof(long)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * sizeof(long)), values[i]);
        }
        return new OnnxTensor(name, OnnxElementType.Int64, dimensions, raw);
    }
}

/// <summary>A node attribute; only the kinds our graphs need.</summary>
internal abstract record OnnxAttribute(string Name)
{
    public static OnnxAttribute Int(string name, long value) => new IntAttribute(name, value);

    public static OnnxAttribute Ints(string name, params long[] values) => new IntsAttribute(name, values);

    public static OnnxAttribute Float(string name, float value) => new FloatAttribute(name, value);

    /// <summary>A tensor-valued attribute, such as a Constant node's "value".</summary>
    public static OnnxAttribute Tensor(string name, OnnxTensor value) => new TensorAttribute(name, value);

    public abstract void WriteValue(ProtobufWriter attribute);

    private sealed record IntAttribute(string Name, long Value) : OnnxAttribute(Name)
    {
        public override void WriteValue(ProtobufWriter attribute)
        {
            attribute.WriteInt64(OnnxFields.AttributeInt, Value);
            attribute.WriteInt64(OnnxFields.AttributeType, OnnxFields.AttributeTypeInt);
        }
    }

    private sealed record IntsAttribute(string Name, long[] Values) : OnnxAttribute(Name)
    {
        public override void WriteValue(ProtobufWriter attribute)
        {
            foreach (var value in Values)
            {
                attribute.WriteInt64(OnnxFields.AttributeInts, value);
            }
            attribute.WriteInt64(OnnxFields.AttributeType, OnnxFields.AttributeTypeInts);
        }
    }

    private sealed record TensorAttribute(string Name, OnnxTensor Value) : OnnxAttribute(Name)
    {
        public override void WriteValue(ProtobufWriter attribute)
        {
            attribute.WriteMessage(OnnxFields.AttributeTensor, tensor => OnnxModelSerializer.WriteInlineTensor(tensor, Value));
            attribute.WriteInt64(OnnxFields.AttributeType, OnnxFields.AttributeTypeTensor);
        }
    }

    private sealed record FloatAttribute(string Name, float Value) : OnnxAttribute(Name)
    {
        public override void WriteValue(ProtobufWriter attribute)
        {
            attribute.WriteFloat(OnnxFields.AttributeFloat, Value);
            attribute.WriteInt64(OnnxFields.AttributeType, OnnxFields.AttributeTypeFloat);
        }
    }
}

/// <summary>
/// One operator application. <paramref name="Name"/> is null for nodes named after their first output;
/// <paramref name="Domain"/> is "" for standard ONNX operators and "com.microsoft" for ONNX Runtime's own.
/// </summary>
internal sealed record OnnxNode(string OperatorType, string[] Inputs, string[] Outputs, OnnxAttribute[] Attributes, string Domain = "", string? Name = null);

/// <summary>An operator set the model imports: a domain and its version.</summary>
internal sealed record OnnxOperatorSet(string Domain, long Version);
