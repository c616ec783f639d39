using Microsoft.EntityFrameworkCore;

namespace Registry.Service.Infrastructure;

public sealed class RegistryDbContext(DbContextOptions<RegistryDbContext> options) : DbContext(options)
{
}
