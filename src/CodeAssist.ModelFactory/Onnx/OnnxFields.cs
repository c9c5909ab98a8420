namespace CodeAssist.ModelFactory.Onnx;

/// <summary>Field numbers and enum values from onnx.proto for the messages <see cref="OnnxModelSerializer"/> writes.</summary>
internal static class OnnxFields
{
    public const int ModelIrVersion = 1;
    public const int ModelProducerName = 2;
    public const int ModelGraph = 7;
    public const int ModelOpsetImport = 8;

    public const int OperatorSetDomain = 1;
    public const int OperatorSetVersion = 2;

    public const int GraphNode = 1;
    public const int GraphName = 2;
    public const int GraphInitializer = 5;
    public const int GraphInput = 11;
    public const int GraphOutput = 12;

    public const int NodeInput = 1;
    public const int NodeOutput = 2;
    public const int NodeName = 3;
    public const int NodeOperatorType = 4;
    public const int NodeAttribute = 5;
    public const int NodeDomain = 7;

    public const int AttributeName = 1;
    public const int AttributeFloat = 2;
    public const int AttributeInt = 3;
    public const int AttributeTensor = 5;
    public const int AttributeInts = 8;
    public const int AttributeType = 20;
    public const long AttributeTypeFloat = 1;
    public const long AttributeTypeInt = 2;
    public const long AttributeTypeTensor = 4;
    public const long AttributeTypeInts = 7;

    public const int TensorDimensions = 1;
    public const int TensorDataType = 2;
    public const int TensorName = 8;
    public const int TensorRawData = 9;
    public const int TensorExternalData = 13;
    public const int TensorDataLocation = 14;
    public const long TensorDataLocationExternal = 1;

    public const int StringEntryKey = 1;
    public const int StringEntryValue = 2;

    public const int ValueInfoName = 1;
    public const int ValueInfoType = 2;
    public const int TypeTensorType = 1;
    public const int TensorTypeElementType = 1;
    public const int TensorTypeShape = 2;
    public const int ShapeDimension = 1;
    public const int DimensionValue = 1;
    public const int DimensionParameter = 2;
}
