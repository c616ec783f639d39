namespace Gateway.Service.Auth;

public enum KeySlot { Primary, Secondary }

public sealed record EndpointKeys(string PrimaryKey, string SecondaryKey);
