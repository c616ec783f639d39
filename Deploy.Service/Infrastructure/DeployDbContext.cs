using Microsoft.EntityFrameworkCore;

namespace Deploy.Service.Infrastructure;

public sealed class DeployDbContext(DbContextOptions<DeployDbContext> options) : DbContext(options)
{
}
