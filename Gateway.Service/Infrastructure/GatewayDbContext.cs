using Microsoft.EntityFrameworkCore;

namespace Gateway.Service.Infrastructure;

public sealed class GatewayDbContext(DbContextOptions<GatewayDbContext> options) : DbContext(options)
{
}
