namespace CodeAssist.ModelFactory.Onnx;

/// <summary>The ModelProto header: IR version, producer and the operator sets the graph's nodes use.</summary>
internal sealed record OnnxModelHeader(long IrVersion, string ProducerName, IReadOnlyList<OnnxOperatorSet> OperatorSets)
{
    /// <summary>
    /// IR version 8 with the default-domain opset 17: what ONNX Runtime 1.2x and later (under GenAI 0.18) loads
    /// without conversion, and every standard operator the plain graphs use exists there unchanged.
    /// </summary>
    public static OnnxModelHeader Standard { get; } = new(8, "CodeAssist.ModelFactory", [new OnnxOperatorSet("", 17)]);
}

/// <summary>
/// Writes a graph as an ONNX ModelProto, with every initializer either inline or in an external data file the way
/// onnx's external data convention describes it (location, offset and length relative to the model's folder).
/// </summary>
internal static class OnnxModelSerializer
{
    /// <summary>Tensors of this size or more start on a 64 KiB boundary of the data file, so they can be memory-mapped.</summary>
    private const long AlignThreshold = 1 << 20;
    private const long Alignment = 1 << 16;

    public static void Write(OnnxGraphBuilder graph, string graphName, Stream destination) =>
        Write(graph, graphName, OnnxModelHeader.Standard, destination, externalData: null);

    /// <summary>
    /// Writes the model to <paramref name="model"/>; with <paramref name="externalData"/> every initializer's
    /// bytes go to that file (named <see cref="ExternalData.FileName"/> beside the model) instead of inline.
    /// </summary>
    public static void Write(OnnxGraphBuilder graph, string graphName, OnnxModelHeader header, Stream model, ExternalData? externalData)
    {
        var writer = new ProtobufWriter();
        writer.WriteInt64(OnnxFields.ModelIrVersion, header.IrVersion);
        writer.WriteString(OnnxFields.ModelProducerName, header.ProducerName);
        writer.WriteMessage(OnnxFields.ModelGraph, graphWriter => WriteGraph(graphWriter, graph, graphName, externalData));
        foreach (var operatorSet in header.OperatorSets)
        {
            writer.WriteMessage(OnnxFields.ModelOpsetImport, opset =>
            {
                opset.WriteString(OnnxFields.OperatorSetDomain, operatorSet.Domain);
                opset.WriteInt64(OnnxFields.OperatorSetVersion, operatorSet.Version);
            });
        }
        writer.CopyTo(model);
    }

    /// <summary>A tensor with its bytes inside the message (Constant node values, small models).</summary>
    public static void WriteInlineTensor(ProtobufWriter writer, OnnxTensor tensor)
    {
        WriteTensorHeader(writer, tensor);
        writer.WriteBytes(OnnxFields.TensorRawData, tensor.RawData);
    }

    private static void WriteGraph(ProtobufWriter writer, OnnxGraphBuilder graph, string graphName, ExternalData? externalData)
    {
        foreach (var node in graph.Nodes)
        {
            writer.WriteMessage(OnnxFields.GraphNode, nodeWriter => WriteNode(nodeWriter, node));
        }
        writer.WriteString(OnnxFields.GraphName, graphName);
        foreach (var tensor in graph.Initializers)
        {
            writer.WriteMessage(OnnxFields.GraphInitializer, tensorWriter =>
            {
                if (externalData is null)
                    WriteInlineTensor(tensorWriter, tensor);
                else
                    WriteExternalTensor(tensorWriter, tensor, externalData);
            });
        }
        foreach (var input in graph.Inputs)
        {
            writer.WriteMessage(OnnxFields.GraphInput, valueWriter => WriteValueInfo(valueWriter, input));
        }
        foreach (var output in graph.Outputs)
        {
            writer.WriteMessage(OnnxFields.GraphOutput, valueWriter => WriteValueInfo(valueWriter, output));
        }
    }

    private static void WriteNode(ProtobufWriter writer, OnnxNode node)
    {
        foreach (var input in node.Inputs)
        {
            writer.WriteString(OnnxFields.NodeInput, input);
        }
        foreach (var output in node.Outputs)
        {
            writer.WriteString(OnnxFields.NodeOutput, output);
        }
        writer.WriteString(OnnxFields.NodeName, node.Name ?? node.Outputs[0]);
        writer.WriteString(OnnxFields.NodeOperatorType, node.OperatorType);
        foreach (var attribute in node.Attributes)
        {
            writer.WriteMessage(OnnxFields.NodeAttribute, attributeWriter =>
            {
                attributeWriter.WriteString(OnnxFields.AttributeName, attribute.Name);
                attribute.WriteValue(attributeWriter);
            });
        }
        if (node.Domain.Length > 0)
        {
            writer.WriteString(OnnxFields.NodeDomain, node.Domain);
        }
    }

    private static void WriteTensorHeader(ProtobufWriter writer, OnnxTensor tensor)
    {
        foreach (var dimension in tensor.Dimensions)
        {
            writer.WriteInt64(OnnxFields.TensorDimensions, dimension);
        }
        writer.WriteInt64(OnnxFields.TensorDataType, (long)tensor.ElementType);
        writer.WriteString(OnnxFields.TensorName, tensor.Name);
    }

    private static void WriteExternalTensor(ProtobufWriter writer, OnnxTensor tensor, ExternalData externalData)
    {
        var offset = externalData.Append(tensor.RawData);
        WriteTensorHeader(writer, tensor);
        void Entry(string key, string value) => writer.WriteMessage(OnnxFields.TensorExternalData, entry =>
        {
            entry.WriteString(OnnxFields.StringEntryKey, key);
            entry.WriteString(OnnxFields.StringEntryValue, value);
        });
        Entry("location", externalData.FileName);
        Entry("offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Entry("length", tensor.RawData.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        writer.WriteInt64(OnnxFields.TensorDataLocation, OnnxFields.TensorDataLocationExternal);
    }

    private static void WriteValueInfo(ProtobufWriter writer, OnnxValueInfo value)
    {
        writer.WriteString(OnnxFields.ValueInfoName, value.Name);
        writer.WriteMessage(OnnxFields.ValueInfoType, type =>
            type.WriteMessage(OnnxFields.TypeTensorType, tensorType =>
            {
                tensorType.WriteInt64(OnnxFields.TensorTypeElementType, (long)value.ElementType);
                tensorType.WriteMessage(OnnxFields.TensorTypeShape, shape =>
                {
                    foreach (var dimension in value.Shape)
                    {
                        shape.WriteMessage(OnnxFields.ShapeDimension, dimensionWriter =>
                        {
                            if (dimension.Symbol is { } symbol)
                            {
                                dimensionWriter.WriteString(OnnxFields.DimensionParameter, symbol);
                            }
                            else
                            {
                                dimensionWriter.WriteInt64(OnnxFields.DimensionValue, dimension.Size);
                            }
                        });
                    }
                });
            }));
    }

    /// <summary>The external data file being written: tensors appended in initializer order, large ones aligned.</summary>
    internal sealed class ExternalData(string fileName, Stream stream)
    {
        public string FileName { get; } = fileName;

        public long Append(byte[] bytes)
        {
            if (bytes.Length >= AlignThreshold && stream.Position % Alignment != 0)
            {
                stream.Write(new byte[Alignment - stream.Position % Alignment]);
            }
            var offset = stream.Position;
            stream.Write(bytes);
            return offset;
        }
    }
}
