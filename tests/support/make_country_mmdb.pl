#!/usr/bin/perl
# Writes a database in ip-location-db's flat layout (country_code, latitude, longitude; no
# continent), IPv4-only or IPv6-only as that project ships them, for the integration tests:
#   perl make_country_mmdb.pl OUT.mmdb 4|6 CIDR=CC [CIDR=CC ...]
use strict;
use warnings;

use MaxMind::DB::Writer::Tree;

my ($out, $version, @networks) = @ARGV;
die "usage: $0 OUT.mmdb 4|6 CIDR=CC...\n" unless $out && $version && @networks;

my %points = (
    IE => [53.3, -6.3], IN => [19.1, 72.9], US => [38.9, -77.0], BR => [-23.5, -46.6],
    AU => [-33.9, 151.2], DE => [50.1, 8.7],
);
my %types = (country_code => 'utf8_string', latitude => 'float', longitude => 'float');

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => $version,
    record_size              => 24,
    database_type            => "nines-country-ipv$version",
    languages                => ['en'],
    description              => { en => 'Nines integration test database' },
    map_key_type_callback    => sub { $types{ $_[0] } },
    remove_reserved_networks => 0,  # keep the documentation and shared ranges tests use
    alias_ipv6_to_ipv4       => 0,
);
for my $network (@networks) {
    my ($cidr, $country) = split /=/, $network;
    die "no point for $country\n" unless $points{$country};
    $tree->insert_network($cidr, {
        country_code => $country,
        latitude     => $points{$country}[0],
        longitude    => $points{$country}[1],
    });
}
open my $fh, '>:raw', $out or die "cannot write $out: $!\n";
$tree->write_tree($fh);
close $fh or die "cannot write $out: $!\n";
