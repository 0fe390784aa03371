
# ---------------------------------------------------------------------------------------------
# Below: the same code for every case. It reads the arrays above and nothing else.
# ---------------------------------------------------------------------------------------------

# $env:COMPUTERNAME is the NetBIOS name (at most 15 characters); the DNS name may be longer.
$ThisComputer = @($env:COMPUTERNAME, [System.Net.Dns]::GetHostName().Split('.')[0]) |
    Where-Object { $_ } | ForEach-Object { $_.ToUpperInvariant() }

function Find-ThisComputer([string[]]$Devices) {
    foreach ($device in $Devices) {
        $name = $device.ToUpperInvariant()
        $netbios = $name.Substring(0, [Math]::Min(15, $name.Length))
        if ($ThisComputer -contains $name -or $ThisComputer -contains $netbios) { return $device }
    }
    return $null
}

$found = Find-ThisComputer $AffectedDevices
if ($found) {
    $Host.UI.WriteErrorLine(('Refusing to run on {0}: the worm reached this device and may capture the new passwords. Run this script from a clean computer that is not in isolate.csv.' -f $found))
    exit 2
}
$found = Find-ThisComputer $SuspectDevices
if ($found) {
    $Host.UI.WriteErrorLine(('Refusing to run on {0}: suspicious spread reached this device; until it is cleared it may capture the new passwords. Run this script from a clean computer.' -f $found))
    exit 2
}

function New-RandomPassword {
    # 24 characters drawn with a cryptographic RNG, rejection-sampled (no modulo bias), with
    # upper and lower case, digits and symbols so any domain complexity policy accepts them.
    $alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!%+-=?@_'
    $limit = 256 - (256 % $alphabet.Length)
    $rng = [System.Security.Cryptography.RandomNumberGenerator]::Create()
    try {
        $byte = New-Object byte[] 1
        do {
            $chars = New-Object System.Text.StringBuilder
            while ($chars.Length -lt 24) {
                $rng.GetBytes($byte)
                if ($byte[0] -lt $limit) { [void]$chars.Append($alphabet[$byte[0] % $alphabet.Length]) }
            }
            $password = $chars.ToString()
        } until ($password -cmatch '[A-Z]' -and $password -cmatch '[a-z]' -and $password -match '[0-9]' -and $password -match '[^A-Za-z0-9]')
        return $password
    } finally {
        $rng.Dispose()
    }
}

$script:PasswordPath = $null

function New-PasswordFile([string]$Path) {
    # Created empty, restricted to the operator alone, checked, and only then written to.
    $item = New-Item -ItemType File -Path $Path
    $me = [System.Security.Principal.WindowsIdentity]::GetCurrent().User
    $acl = New-Object System.Security.AccessControl.FileSecurity
    $acl.SetAccessRuleProtection($true, $false)
    $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule($me, 'FullControl', 'Allow')))
    Set-Acl -LiteralPath $item.FullName -AclObject $acl
    $rules = @((Get-Acl -LiteralPath $item.FullName).Access)
    $sid = [System.Security.Principal.SecurityIdentifier]
    if ($rules.Count -ne 1 -or $rules[0].IdentityReference.Translate($sid) -ne $me) {
        Remove-Item -LiteralPath $item.FullName
        throw ('Could not make {0} readable by you alone; choose another -PasswordFile on a local NTFS folder.' -f $Path)
    }
    return $item.FullName
}

function Save-Password([string]$Account, [string]$Password) {
    # Saved before the reset, so a password is never set that nobody knows.
    if (-not $script:PasswordPath) { $script:PasswordPath = New-PasswordFile $PasswordFile }
    Add-Content -LiteralPath $script:PasswordPath -Value ($Account + [char]9 + $Password) -Encoding UTF8
}

function Get-NewSecurePassword([string]$Account) {
    $password = New-RandomPassword
    Save-Password $Account $password
    return (ConvertTo-SecureString -String $password -AsPlainText -Force)
}

$ad = @{}
if ($Server) { $ad.Server = $Server }
$failures = New-Object System.Collections.Generic.List[string]

function Write-Failure([string]$Account, $ErrorRecord) {
    $failures.Add($Account)
    Write-Warning ('{0} failed: {1}' -f $Account, $ErrorRecord.Exception.Message)
    if ($script:PasswordPath) {
        Add-Content -LiteralPath $script:PasswordPath -Value ($Account + [char]9 + '(failed: see the warning; the password above may not be in use)') -Encoding UTF8
    }
}

foreach ($a in $PersonAccounts) {
    if ($PSCmdlet.ShouldProcess($a.Account, 'Reset the password and require a new one at next logon')) {
        try {
            Import-Module ActiveDirectory
            Set-ADAccountPassword -Identity $a.User -Reset -NewPassword (Get-NewSecurePassword $a.Account) @ad
            Set-ADUser -Identity $a.User -ChangePasswordAtLogon $true @ad
            Write-Host ('Reset {0}; the user must choose a new password at next logon.' -f $a.Account)
        } catch {
            Write-Failure $a.Account $_
        }
    }
}

foreach ($a in $ServiceAccounts) {
    if ($PSCmdlet.ShouldProcess($a.Account, 'Reset the service account password (its services stop until updated)')) {
        try {
            Import-Module ActiveDirectory
            Set-ADAccountPassword -Identity $a.User -Reset -NewPassword (Get-NewSecurePassword $a.Account) @ad
            Write-Host ('Reset service account {0}.' -f $a.Account)
            Write-Warning ('Update now every service and task that runs as {0} (on {1}): {2}' -f $a.Account, ($a.UsedOn -join ', '), ($a.UsedBy -join '; '))
        } catch {
            Write-Failure $a.Account $_
        }
    }
}

if ($LocalAccounts.Count -gt 0 -and -not $ResetLocalAccounts) {
    foreach ($a in $LocalAccounts) {
        Write-Host ('Not reset now: local account {0} on {1} (an affected device). Use -ResetLocalAccounts once it is cleaned.' -f $a.Account, $a.Computer)
    }
}
if ($ResetLocalAccounts) {
    foreach ($a in $LocalAccounts) {
        if ($PSCmdlet.ShouldProcess($a.Account, ('Reset the local password on {0}' -f $a.Computer))) {
            try {
                $secure = Get-NewSecurePassword $a.Account
                Invoke-Command -ComputerName $a.Computer -ArgumentList $a.User, $secure -ScriptBlock {
                    param($User, $NewPassword)
                    Set-LocalUser -Name $User -Password $NewPassword
                }
                Write-Host ('Reset local account {0} on {1}.' -f $a.Account, $a.Computer)
            } catch {
                Write-Failure $a.Account $_
            }
        }
    }
}

if ($DomainControllerAffected) {
    Write-Warning 'A domain controller is affected: reset krbtgt twice, hours apart (see the note at the top of this script).'
}
if ($script:PasswordPath) {
    Write-Host ('New passwords are in {0}, readable by you alone. Hand them over in person or by phone, then delete the file.' -f $script:PasswordPath)
}
if ($failures.Count -gt 0) {
    Write-Warning ('{0} account(s) not reset: {1}' -f $failures.Count, ($failures -join ', '))
    exit 1
}
